// Who is logged in, this phone's storage, and logging out (which wipes the phone's data, so it asks
// first while tickets are still unsent).
import { api } from '../api.js';
import { wipe } from '../db.js';
import { h, toast } from '../dom.js';
import { t, lang } from '../i18n.js';
import { unsentCount } from '../outbox.js';
import { leaveApp } from '../main.js';

export async function render({ user }) {
  const storage = h('p', { id: 'storage' });
  if (navigator.storage?.estimate) {
    const [{ usage = 0, quota = 0 }, persisted] = await Promise.all([navigator.storage.estimate(),
      navigator.storage.persisted?.() ?? false]);
    storage.textContent = `${t('存储空间')}：${(usage / 1048576).toFixed(1)} / ${(quota / 1048576).toFixed(0)} MB · `
      + t(persisted ? '已持久化' : '未持久化');
  }
  const logout = h('button', { type: 'button', class: 'danger', onclick: async () => {
    const unsent = await unsentCount();
    if (unsent > 0 && !confirm(t('还有 {n} 项未发送。退出登录会从本机删除它们，确定吗？', { n: unsent }))) return;
    try { await api('/api/v1/auth/logout', { method: 'POST' }); } catch { /* offline or already revoked: wipe anyway */ }
    await wipe();
    toast(t('退出登录'));
    location.hash = '';
    leaveApp();
  } }, t('退出登录'));
  return h('section', {}, h('h2', {}, t('我的')),
    // The server names roles in Chinese; their codes (inspector, dispatcher…) are the English names.
    h('p', { id: 'whoami' }, `${user.display_name}（${lang === 'en' ? user.role : user.role_name}）${user.bureau ? ' · ' + user.bureau.name : ''}`),
    h('ul', { id: 'cells' }, ...(user.cells || []).map((cell) => h('li', {}, `${cell.name} ${cell.code}`))),
    storage, logout);
}
