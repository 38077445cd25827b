// Placeholder shell until the inspector PWA lands: log in and show who you are and your cells.
import './style.css';

const TOKEN_KEY = 'gridpatrol.token';
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const token = localStorage.getItem(TOKEN_KEY);
  const headers = { ...(options.headers || {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(path, { ...options, headers });
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw Object.assign(new Error(body?.error?.message || response.statusText), body?.error);
  return body;
}

async function showProfile() {
  const me = await api('/api/v1/me');
  $('whoami').textContent = `${me.display_name}（${me.role_name}）${me.bureau ? ' · ' + me.bureau.name : ''}`;
  $('cells').replaceChildren(...me.cells.map((cell) => {
    const li = document.createElement('li');
    li.textContent = `${cell.name} ${cell.code}`;
    return li;
  }));
  $('login').hidden = true;
  $('profile').hidden = false;
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('login-error').textContent = '';
  const form = new URLSearchParams({ username: $('username').value, password: $('password').value, scope: 'device' });
  try {
    const token = await api('/api/v1/auth/token', { method: 'POST', body: form });
    localStorage.setItem(TOKEN_KEY, token.access_token);
    await showProfile();
  } catch (error) {
    $('login-error').textContent = error.message;
  }
});

$('logout').addEventListener('click', async () => {
  try { await api('/api/v1/auth/logout', { method: 'POST' }); } catch { /* already invalid */ }
  localStorage.removeItem(TOKEN_KEY);
  $('profile').hidden = true;
  $('login').hidden = false;
});

if (localStorage.getItem(TOKEN_KEY)) showProfile().catch(() => localStorage.removeItem(TOKEN_KEY));
