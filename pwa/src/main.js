// The app shell: login gate, tabs, the outbox badge and banners, and every trigger that syncs.
import './style.css';
import { api } from './api.js';
import { $, h, toast } from './dom.js';
import { kvGet } from './db.js';
import { backoffMs, drain, nextDue, subscribe, unsentCount } from './outbox.js';
import { refreshAll } from './data.js';
import { requestBackgroundSync } from './sw-sync.js';
import { setLang, lang, t } from './i18n.js';
import { showLogin } from './views/login.js';
import { markCurrent, reflectBadges, showTabs } from './tabs.js';

const VIEWS = {
  capture: () => import('./views/capture.js'),
  patrol: () => import('./views/patrol.js'),
  outbox: () => import('./views/outbox.js'),
  tickets: () => import('./views/tickets.js'),
  map: () => import('./views/map.js'),
  me: () => import('./views/me.js'),
  queue: () => import('./views/queue.js'),
  desk: () => import('./views/desk.js'),
  dryrun: () => import('./views/dryrun.js'),
  verify: () => import('./views/verify.js'),
  spotchecks: () => import('./views/spotchecks.js'),
  overview: () => import('./views/overview.js'),
  readiness: () => import('./views/readiness.js'),
  keypoints: () => import('./views/keypoints.js'),
  dispatch: () => import('./views/dispatch.js'),
  bulletins: () => import('./views/bulletins.js'),
  ledger: () => import('./views/ledger.js'),
  admin: () => import('./views/admin.js'),
  review: () => import('./views/review.js'),
};
// Each role's tabs, its main view first: where the bar has no room for all, the last go under 更多 (tabs.js).
const TABS = {
  inspector: [['capture', '拍照上报'], ['patrol', '今日巡查'], ['outbox', '待发送'], ['tickets', '我的工单'], ['map', '地图'], ['me', '我的']],
  bureau: [['queue', '待办'], ['readiness', '明察倒计时'], ['ledger', '台账'], ['outbox', '待发送'], ['map', '地图'], ['me', '我的']],
  dispatcher: [['desk', '调度台'], ['dispatch', '周调度'], ['bulletins', '通报'], ['ledger', '台账'], ['readiness', '明察倒计时'], ['keypoints', '点位管理'], ['dryrun', '派遣试算'], ['tickets', '工单'], ['map', '地图'], ['outbox', '待发送'], ['me', '我的']],
  supervisor: [['verify', '核查'], ['spotchecks', '抽查'], ['readiness', '明察倒计时'], ['tickets', '工单'], ['capture', '暗访'], ['outbox', '待发送'], ['me', '我的']],
  leader: [['overview', '总览'], ['dispatch', '周调度'], ['bulletins', '通报'], ['ledger', '台账'], ['readiness', '明察倒计时'], ['tickets', '工单'], ['map', '地图'], ['me', '我的']],
  ledger: [['ledger', '台账'], ['overview', '总览'], ['readiness', '明察倒计时'], ['tickets', '工单'], ['map', '地图'], ['me', '我的']],
};
TABS.admin = [['admin', '系统管理'], ['overview', '总览'], ['bulletins', '通报'], ['ledger', '台账'], ['readiness', '明察倒计时'], ['keypoints', '点位管理'], ['desk', '调度台'], ['tickets', '工单'], ['outbox', '待发送'], ['me', '我的']];
// 随手拍审核, second, for admins and the role the county names to review citizens' reports (asked at login).
const MAY_REVIEW = ['dispatcher', 'supervisor', 'ledger', 'leader']; // the roles a county may name
let reviewer = 'dispatcher';
const tabsOf = (role) => {
  const tabs = TABS[role] || TABS.leader;
  return role === 'admin' || role === reviewer ? [tabs[0], ['review', '随手拍审核'], ...tabs.slice(1)] : tabs;
};

/** Who reviews citizens' reports; the default when the server cannot be asked (offline). */
async function reviewerRole() {
  try {
    return (await api('/api/v1/citizen-reports/reviewer', { signal: AbortSignal.timeout(5000) })).reviewer_role;
  } catch {
    return 'dispatcher';
  }
}

let user = null;
let retryTimer = null;
let syncing = null;
let offlineStreak = 0;
let bell = null; // the notifications bell's module, loaded after login

/** Render the view the hash names: #/view/param?query. */
export async function route() {
  if (!user) return;
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [name, ...rest] = path.split('/');
  const allowed = tabsOf(user.role).map(([tab]) => tab);
  const viewName = VIEWS[name] && (allowed.includes(name) || name === 'tickets') ? name : allowed[0];
  markCurrent(viewName);
  const view = $('#view');
  const navigation = (view.dataset.navigation = String(Number(view.dataset.navigation || 0) + 1));
  const module = await VIEWS[viewName]();
  const content = await module.render({ user, params: rest, query, sync, rerender: route });
  if (view.dataset.navigation === navigation) view.replaceChildren(content); // else a later navigation won
  document.body.dataset.view = viewName;
}

async function refreshBadge() {
  const count = await unsentCount();
  const badge = $('#badge');
  if (!badge) return; // a role without an outbox tab
  badge.textContent = String(count);
  badge.hidden = count === 0;
  reflectBadges();
}

/**
 * Drain the outbox now (or what is due), then schedule the next try. Safe to call from anywhere.
 * While the network is gone the whole queue backs off together (2 s doubling to 5 min), and not at
 * all while the browser says it is offline: the `online` event brings it back.
 */
export async function sync({ force = false } = {}) {
  if (!user) return null;
  if (syncing) return syncing;
  syncing = (async () => {
    let summary = null;
    try {
      summary = await drain({ force });
    } catch (error) {
      console.error('outbox drain failed', error); // a bug, not the network: keep the queue and retry later
      summary = { offline: true };
    }
    clearTimeout(retryTimer);
    if (summary?.authLost) {
      authLost();
      return summary;
    }
    offlineStreak = summary?.offline ? offlineStreak + 1 : 0;
    const due = await nextDue();
    if (due !== null) {
      requestBackgroundSync(); // so the service worker finishes the job if the page is closed
      const delay = offlineStreak ? backoffMs(offlineStreak) : Math.max(1000, due - Date.now());
      if (navigator.onLine !== false) retryTimer = setTimeout(() => sync(), delay);
    }
    return summary;
  })();
  try {
    return await syncing;
  } finally {
    syncing = null;
  }
}

// The device token was revoked or has expired: ask for the password again, keeping the outbox.
function authLost() {
  const banner = $('#auth-banner');
  if (!banner.hidden) return;
  banner.hidden = false;
  banner.querySelector('button').onclick = () => {
    banner.hidden = true;
    leaveApp();
  };
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
  if (MAY_REVIEW.includes(user.role)) reviewer = await reviewerRole();
  showTabs($('#tabs'), tabsOf(user.role).map(([name, label]) => h('a', { href: `#/${name}` }, t(label),
    name === 'outbox' ? [' ', h('span', { id: 'badge', class: 'badge', hidden: true }, '0')] : [])));
  bell = import('./bell.js');
  bell.then(({ startBell }) => startBell($('#bell'), user));
  await refreshBadge();
  // replaceState, not location.hash: a hashchange would render the first view a second time.
  if (!location.hash) history.replaceState(null, '', `#/${tabsOf(user.role)[0][0]}`);
  await route();
  sync();
  if (navigator.onLine) refreshAll(); // categories, cells and assignments change during a campaign
}

export function leaveApp() {
  user = null;
  $('#tabs').hidden = true;
  bell?.then(({ stopBell }) => stopBell());
  showLogin($('#view'), enterApp);
}

function boot() {
  setLang(lang);
  document.body.append(
    h('header', { class: 'bar' },
      h('h1', {}, t('网格巡查')),
      h('button', { type: 'button', id: 'bell', class: 'bell', hidden: true, 'aria-label': t('通知') }),
      h('button', { type: 'button', id: 'lang', class: 'link', onclick: () => { setLang(lang === 'en' ? 'zh' : 'en'); location.reload(); } },
        lang === 'en' ? '中文' : 'English')),
    h('div', { id: 'offline-banner', class: 'banner', role: 'status', hidden: true }, t('离线：工单和巡查保存在本机，联网后自动发送')),
    h('div', { id: 'update-banner', class: 'banner update', hidden: true }, t('有新版本'), ' ',
      h('button', { type: 'button' }, t('更新'))),
    h('div', { id: 'auth-banner', class: 'banner update', role: 'alert', hidden: true }, t('登录已失效或已被注销，未发送的工单仍保留在本机'), ' ',
      h('button', { type: 'button' }, t('重新登录'))),
    h('main', { id: 'view' }),
    h('nav', { id: 'tabs', hidden: true, 'aria-label': t('网格巡查') }),
  );
  showOffline();
  registerServiceWorker();
  window.addEventListener('hashchange', route);
  window.addEventListener('online', () => {
    showOffline();
    offlineStreak = 0;
    sync();
    if (user) refreshAll();
  });
  window.addEventListener('offline', showOffline);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') sync(); });
  subscribe(() => refreshBadge());
  // Leaving with tickets still on the phone: the browser asks "leave this page?".
  window.addEventListener('beforeunload', (event) => {
    if ($('#badge') && !$('#badge').hidden) event.preventDefault();
  });
  kvGet('auth').then((auth) => (auth?.user ? enterApp(auth.user) : leaveApp()));
}

boot();
