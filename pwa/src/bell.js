// The notifications bell in the header, for every role: the unread count, asked every 30 s while the app
// is open and visible (and at once when it comes back or the network returns); a panel with the latest,
// where a tap marks one read and opens its ticket; "全部已读"; and a system notification for new ones
// once the user has allowed it from the panel (browsers only ask after a tap, and asking on load
// teaches people to say no). Offline the last count stays and nothing complains.
import { api } from './api.js';
import { kvGet, kvSet } from './db.js';
import { h, formatTime, toast } from './dom.js';
import { t, lang, errorText } from './i18n.js';

const POLL_MS = 30000;
const SHOWN = 20; // notifications in the panel
const ICON = '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" fill="currentColor"><path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z"/></svg>';

let bell = null; // { button, badge, key, timer, stop }
// What each ticket is and where ("人行道乱停车 · 西山社区1号网格"), by ticket id: a notification names
// only its ticket, and the titles alone ("工单已超期" twenty times) do not say which.
const places = new Map();

/** Show the bell for this user and keep its count fresh until stopBell(). */
export async function startBell(button, user) {
  stopBell();
  const badge = h('span', { class: 'badge', hidden: true });
  button.innerHTML = ICON;
  button.append(badge);
  button.hidden = false;
  button.onclick = openPanel;
  const key = `bell:${user.id}`;
  const onVisible = () => (document.visibilityState === 'visible' ? poll() : clearTimeout(bell?.timer));
  const onMessage = (event) => { if (event.data?.type === 'notification-tap') open(event.data.notification); };
  window.addEventListener('online', poll);
  document.addEventListener('visibilitychange', onVisible);
  navigator.serviceWorker?.addEventListener('message', onMessage);
  bell = { button, badge, key, timer: null, stop: () => {
    window.removeEventListener('online', poll);
    document.removeEventListener('visibilitychange', onVisible);
    navigator.serviceWorker?.removeEventListener('message', onMessage);
  } };
  const last = await kvGet(key);
  if (bell?.key !== key) return; // logged out meanwhile
  show(last?.count ?? 0); // the last count, until the server answers
  poll();
}

export function stopBell() {
  if (!bell) return;
  clearTimeout(bell.timer);
  bell.stop();
  bell.button.hidden = true;
  document.getElementById('bell-panel')?.remove();
  places.clear();
  bell = null;
}

function show(count) {
  bell.badge.textContent = count > 99 ? '99+' : String(count);
  bell.badge.hidden = count === 0;
  bell.button.setAttribute('aria-label', count ? `${t('通知')}：${count} ${t('条未读')}` : t('通知'));
}

/** Ask the server for the unread ones; tell the user about any that arrived since the last answer. */
async function poll() {
  const current = bell;
  if (!current) return;
  clearTimeout(current.timer);
  if (document.visibilityState === 'visible') current.timer = setTimeout(poll, POLL_MS);
  let unread;
  try {
    unread = await api('/api/v1/notifications?unread=true&limit=100');
  } catch {
    return; // offline or the server is away: the last count stays
  }
  if (bell !== current) return; // logged out meanwhile
  const stored = await kvGet(current.key);
  const newest = Math.max(stored?.newest ?? 0, ...unread.map((n) => n.id));
  // The first answer on this phone only sets the mark: nobody wants last week's alerts at login.
  if (stored) notifySystem(unread.filter((n) => n.id > stored.newest));
  await kvSet(current.key, { count: unread.length, newest });
  show(unread.length);
}

async function notifySystem(fresh) {
  if (!fresh.length || !('Notification' in window) || Notification.permission !== 'granted') return;
  const registration = await navigator.serviceWorker?.getRegistration();
  for (const n of fresh.slice(0, 3)) { // a burst (a morning's dispatches) should not bury the phone
    const options = { body: t('点按打开工单'), tag: `gridpatrol-${n.id}`, icon: '/icons/icon-192.png',
                      data: { notification: n, url: `/#/tickets/${n.ticket_id}` } };
    if (registration) registration.showNotification(t(n.title), options);
    else new Notification(t(n.title), options).onclick = () => { window.focus(); open(n); };
  }
}

/** Mark one read and open its ticket. The mark may fail offline: the ticket opens all the same. */
async function open(notification) {
  document.getElementById('bell-panel')?.close();
  location.hash = `#/tickets/${notification.ticket_id}`;
  if (!notification.read_at) {
    try {
      await api(`/api/v1/notifications/${notification.id}/read`, { method: 'POST' });
    } catch {
      // offline: it stays unread and is offered again
    }
  }
  poll();
}

async function openPanel() {
  const { key } = bell;
  document.getElementById('bell-panel')?.remove();
  const list = h('ul', { class: 'notices', id: 'notice-list' });
  const readAll = h('button', { type: 'button', id: 'read-all', onclick: async () => {
    readAll.disabled = true;
    try {
      await api('/api/v1/notifications/read-all', { method: 'POST' });
      for (const item of list.querySelectorAll('.unread')) item.classList.remove('unread');
      poll();
    } catch (error) {
      readAll.disabled = false;
      toast(errorText(error), { error: true });
    }
  } }, t('全部已读'));
  const panel = h('dialog', { id: 'bell-panel', class: 'sheet', 'aria-labelledby': 'bell-title' },
    h('div', { class: 'sheet-head' },
      h('h2', { id: 'bell-title' }, t('通知')),
      h('form', { method: 'dialog' }, h('button', { class: 'close', 'aria-label': t('关闭') }, '×'))),
    permission(), readAll, list);
  panel.addEventListener('close', () => panel.remove());
  document.body.append(panel);
  panel.showModal();
  let items;
  try {
    items = await api(`/api/v1/notifications?limit=${SHOWN}`);
    await kvSet(`${key}:list`, items);
  } catch {
    items = await kvGet(`${key}:list`);
    if (items) list.before(h('p', { class: 'hint' }, t('离线数据')));
  }
  items ||= [];
  readAll.disabled = !items.some((n) => !n.read_at);
  list.replaceChildren(...(items.length ? items.map((n) => {
    const place = h('span', { class: 'meta' }, formatTime(n.created_at));
    describe(n.ticket_id).then((what) => { if (what) place.textContent = `${what} · ${place.textContent}`; });
    return h('li', { class: n.read_at ? '' : 'unread' },
      h('button', { type: 'button', class: 'notice', 'data-ticket': n.ticket_id, onclick: () => open(n) },
        n.read_at ? null : h('span', { class: 'visually-hidden' }, `${t('未读')} `),
        h('strong', {}, t(n.title)), place));
  }) : [h('li', { class: 'hint' }, t('暂无通知'))]));
}

/** The ticket's category and place, from the server once per ticket (the last copy offline), or null. */
function describe(ticketId) {
  if (!places.has(ticketId)) {
    places.set(ticketId, (async () => {
      let ticket = null;
      try {
        ticket = await api(`/api/v1/tickets/${ticketId}`);
        await kvSet(`ticket:${ticketId}`, ticket); // the detail view's offline copy too
      } catch {
        ticket = await kvGet(`ticket:${ticketId}`);
        if (!ticket) places.delete(ticketId); // ask again next time
      }
      return ticket && [lang === 'en' ? ticket.category.name_en : ticket.category.name,
                        ticket.key_point?.name || ticket.cell_name].filter(Boolean).join(' · ');
    })());
  }
  return places.get(ticketId);
}

/** The system notifications switch: asked for from this button, never on load. */
function permission() {
  if (!('Notification' in window)) return null;
  if (Notification.permission === 'denied') return h('p', { class: 'hint' }, t('系统通知已被浏览器阻止'));
  if (Notification.permission === 'granted') return null;
  const button = h('button', { type: 'button', id: 'allow-notifications', onclick: async () => {
    const answer = await Notification.requestPermission();
    button.replaceWith(answer === 'granted' ? h('p', { class: 'hint' }, t('系统通知已开启')) : permission() || '');
  } }, t('开启系统通知'));
  return button;
}
