// After 提交: where the report is (kept on the phone, on its way, refused), then its tracking code.
import { h } from '../dom.js';
import { groupedCode } from './logic.js';
import { discard, report } from './store.js';
import { drain, onChange, sendingNow } from './send.js';
import { said, t } from './text.js';

export function render(root, { id }) {
  const box = h('section', { class: 'sent', 'aria-live': 'polite' });
  root.append(box);
  let drawing = Promise.resolve();
  const draw = () => { drawing = drawing.then(() => fill(box, id)); };
  const off = onChange(draw);
  window.addEventListener('online', draw);
  window.addEventListener('offline', draw);
  draw();
  return () => {
    off();
    window.removeEventListener('online', draw);
    window.removeEventListener('offline', draw);
  };
}

async function fill(box, id) {
  const item = await report(id);
  if (!item) {
    box.replaceChildren(h('p', { class: 'error' }, t('找不到这件上报')), h('a', { href: '#/', class: 'button' }, t('返回')));
    return;
  }
  if (item.state === 'sent') {
    const code = h('p', { class: 'code big', id: 'tracking-code' }, groupedCode(item.trackingCode));
    const copy = h('button', { type: 'button', class: 'secondary', onclick: async () => {
      try {
        await navigator.clipboard.writeText(item.trackingCode);
      } catch {
        getSelection().selectAllChildren(code); // no clipboard permission: selected, for the phone's own copy
      }
      copy.textContent = t('已复制');
    } }, t('复制'));
    box.replaceChildren(h('h2', {}, t('已提交')), h('p', {}, t('查询码')), code, copy,
      h('p', { class: 'hint' }, t('请记下查询码，凭它查看处理进度。')),
      h('a', { href: `#/status/${item.trackingCode}`, class: 'button primary' }, t('查看处理进度')),
      h('a', { href: '#/', class: 'button' }, t('再报一件')));
    return;
  }
  if (item.state === 'failed') {
    box.replaceChildren(h('h2', {}, t('发送失败')), h('p', { class: 'error' }, said(item.error)),
      h('button', { type: 'button', class: 'danger', onclick: async () => {
        await discard(id);
        location.hash = '#/';
      } }, t('放弃这件')));
    return;
  }
  let words;
  const busy = sendingNow() === id || (!item.error && navigator.onLine !== false);
  if (busy) words = t('正在发送');
  else if (navigator.onLine === false) words = t('已保存在本机，联网后自动发送');
  else words = t('发送未成功，稍后自动重试');
  box.replaceChildren(h('h2', {}, words), item.error && !busy ? h('p', { class: 'meta' }, said(item.error)) : null,
    navigator.onLine !== false && !busy
      ? h('button', { type: 'button', class: 'secondary', onclick: () => drain({ force: true }) }, t('重试')) : null,
    h('a', { href: '#/', class: 'button' }, t('再报一件')));
}
