// Log in once per device: a long-lived, revocable device token, kept in IndexedDB so the service
// worker can sync with it days later.
import { api } from '../api.js';
import { kvGet, kvSet } from '../db.js';
import { unsentCount } from '../outbox.js';
import { h } from '../dom.js';
import { errorText, t } from '../i18n.js';
import { refreshAll } from '../data.js';

export function showLogin(container, onSignedIn) {
  const error = h('p', { id: 'login-error', class: 'error', role: 'alert' });
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true,
                                autocapitalize: 'off' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', required: true,
                                autocomplete: 'current-password' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('登录'));
  const form = h('form', { id: 'login', class: 'card' },
    h('label', { for: 'username' }, t('账号')), username,
    h('label', { for: 'password' }, t('密码')), password,
    submit, error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      const device = `${navigator.platform || 'phone'} · ${new Date().toISOString().slice(0, 10)}`;
      const body = new URLSearchParams({ username: username.value.trim(), password: password.value, scope: 'device',
                                         device_name: device });
      const token = await api('/api/v1/auth/token', { method: 'POST', body, token: null,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      const me = await api('/api/v1/me', { token: token.access_token });
      // Logging in again after the token lapsed keeps the outbox; it must stay with its author.
      const previous = (await kvGet('auth'))?.user;
      if (previous && previous.id !== me.id && (await unsentCount()) > 0) {
        await api('/api/v1/auth/logout', { method: 'POST', token: token.access_token }).catch(() => {});
        throw new Error(t('本机还有 {name} 未发送的工单，发送后才能换人登录', { name: previous.display_name }));
      }
      await kvSet('auth', { token: token.access_token, tokenId: token.token_id, user: me });
      await refreshAll(); // categories, grid and map settings, for the first offline capture
      await onSignedIn(me);
    } catch (failure) {
      error.textContent = errorText(failure);
    } finally {
      submit.disabled = false;
    }
  });
  container.replaceChildren(h('section', { class: 'login' }, h('h2', {}, t('登录')), form));
}
