// The app shell: login gate, tabs, the outbox badge and banners, and every trigger that syncs.
import './style.css';
import { $, h, toast } from './dom.js';
import { kvGet } from './db.js';
import { drain, nextDue, subscribe, unsentCount } from './outbox.js';
import { setLang, lang, t } from './i18n.js';
import { showLogin } from './views/login.js';

const VIEWS = {
  capture: () => import('./views/capture.js'),
  outbox: () => import('./views/outbox.js'),
  tickets: () => import('./views/tickets.js'),
  map: () => import('./views/map.js'),
  me: () => import('./views/me.js'),
};
let user = null;
let retryTimer = null;
let syncing = false;

async function route() {
  if (!user) return;
  const [name = 'capture', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const load = VIEWS[name] || VIEWS.capture;
  for (const tab of document.querySelectorAll('#tabs a')) {
    if (tab.getAttribute('href') === `#/${name}`) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  const view = $('#view');
  const navigation = (view.dataset.navigation = String(Number(view.dataset.navigation || 0) + 1));
  const module = await load();
  const content = await module.render({ user, params: rest, sync });
  if (view.dataset.navigation === navigation) view.replaceChildren(content); // else a later navigation won
}

async function refreshBadge() {
  const count = await unsentCount();
  const badge = $('#badge');
  badge.textContent = String(count);
  badge.hidden = count === 0;
  badge.setAttribute('aria-label', `${count} ${t('待发送')}`);
}

/** Drain the outbox now (or when due), then schedule the next try. Safe to call from anywhere. */
export async function sync({ force = false } = {}) {
  if (syncing) return null;
  syncing = true;
  let summary = null;
  try {
    summary = await drain({ force });
    if (summary.authLost && !summary.busy) toast(t('登录已失效，请重新登录 · please log in again'), { error: true });
  } finally {
    syncing = false;
  }
  clearTimeout(retryTimer);
  const due = await nextDue();
  if (due !== null) retryTimer = setTimeout(() => sync(), Math.max(1000, due - Date.now()));
  return summary;
}

function showOffline() {
  $('#offline-banner').hidden = navigator.onLine;
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  navigator.serviceWorker.register('/sw.js').then((registration) => {
    const offerUpdate = (worker) => {
      const banner = $('#update-banner');
      banner.hidden = false;
      banner.querySelector('button').onclick = () => worker.postMessage({ type: 'SKIP_WAITING' });
    };
    if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker?.addEventListener('statechange', () => {
        if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker);
      });
    });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading || !$('#update-banner').dataset.accepted) return;
    reloading = true;
    location.reload();
  });
  $('#update-banner button').addEventListener('click', (event) => { event.target.parentElement.dataset.accepted = '1'; });
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data?.type === 'outbox-sync') sync();
  });
}

export async function enterApp(signedIn) {
  user = signedIn;
  $('#tabs').hidden = false;
  await refreshBadge();
  // replaceState, not location.hash: a hashchange would render the first view a second time.
  if (!location.hash) history.replaceState(null, '', user.role === 'inspector' || user.role === 'supervisor' ? '#/capture' : '#/tickets');
  await route();
  sync();
}

export function leaveApp() {
  user = null;
  $('#tabs').hidden = true;
  showLogin($('#view'), enterApp);
}

function boot() {
  setLang(lang);
  document.body.append(
    h('header', { class: 'bar' },
      h('h1', {}, t('网格巡查')),
      h('button', { type: 'button', id: 'lang', class: 'link', onclick: () => { setLang(lang === 'en' ? 'zh' : 'en'); location.reload(); } },
        lang === 'en' ? '中文' : 'English')),
    h('div', { id: 'offline-banner', class: 'banner', role: 'status', hidden: true }, t('离线提示')),
    h('div', { id: 'update-banner', class: 'banner update', hidden: true }, t('有新版本'), ' ',
      h('button', { type: 'button' }, t('更新'))),
    h('main', { id: 'view' }),
    h('nav', { id: 'tabs', hidden: true, 'aria-label': t('网格巡查') },
      h('a', { href: '#/capture' }, t('拍照上报')),
      h('a', { href: '#/outbox' }, t('待发送'), ' ', h('span', { id: 'badge', class: 'badge', hidden: true }, '0')),
      h('a', { href: '#/tickets' }, t('我的工单')),
      h('a', { href: '#/map' }, t('地图')),
      h('a', { href: '#/me' }, t('我的'))),
  );
  showOffline();
  registerServiceWorker();
  window.addEventListener('hashchange', route);
  window.addEventListener('online', () => { showOffline(); sync(); });
  window.addEventListener('offline', showOffline);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') sync(); });
  subscribe(() => refreshBadge());
  // Leaving with tickets still on the phone: the browser asks "leave this page?".
  window.addEventListener('beforeunload', (event) => {
    if (!$('#badge').hidden) event.preventDefault();
  });
  kvGet('auth').then((auth) => (auth?.user ? enterApp(auth.user) : leaveApp()));
}

boot();
