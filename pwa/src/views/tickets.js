// Ticket lists: an inspector's own reports (with what waits for their verification), or for staff any
// list the overview links to (#/tickets?bureau=zhzf&overdue=true…). Offline, the last copy is shown.
import { api } from '../api.js';
import { kvGet, kvSet } from '../db.js';
import { h, formatTime } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { filterChips } from './filters.js';
import { split, ticketRow } from './parts.js';
import { ticketDetail } from './ticket.js';

async function cached(key, path) {
  try {
    const value = await api(path);
    await kvSet(key, { value, at: Date.now() });
    return { value, at: Date.now(), stale: false };
  } catch (error) {
    const stored = await kvGet(key);
    if (!stored || error.status === 401 || error.status === 403) throw error;
    return { ...stored, stale: true };
  }
}

export async function render({ user, params, query, sync, rerender }) {
  // Inspectors see their own reports; supervisors and staff any ticket (督办 needs the whole list).
  const mine = user.role === 'inspector';
  const filters = new URLSearchParams(query);
  if (mine && !filters.has('author')) filters.set('author', 'me');
  filters.set('limit', '100');
  const suffix = query ? `?${query}` : '';
  const list = h('section', {}, h('h2', {}, t(mine ? '我的工单' : '工单')));
  try {
    if (user.role === 'inspector') {
      const toVerify = await cached('list:verification', '/api/v1/queues/verification?limit=50');
      if (toVerify.value.items.length) {
        list.append(h('h3', {}, t('待核查')),
          h('ul', { class: 'tickets' }, ...toVerify.value.items.map((tk) => ticketRow(tk, `#/tickets/${tk.id}${suffix}`))));
      }
    }
    if (query) list.append(await filterChips(query));
    const tickets = await cached(`list:tickets${mine ? '' : ':' + filters}`, `/api/v1/tickets?${filters}`);
    list.append(tickets.stale ? h('p', { class: 'hint' }, `${t('离线数据')} · ${t('上次更新')} ${formatTime(tickets.at)}`) : '',
      tickets.value.items.length ? moreList(tickets.value, filters, suffix) : h('p', { class: 'empty' }, t('暂无工单')));
  } catch (error) {
    list.append(h('p', { class: 'error', role: 'alert' }, errorText(error)));
  }
  const detail = params[0]
    ? await ticketDetail(params[0], { user, sync, rerender, back: h('a', { href: `#/tickets${suffix}`, class: 'back' }, `‹ ${t('返回')}`) })
    : null;
  return split(list, detail, t('选择一张工单'));
}

// A page of tickets and a "more" button that follows the server's keyset cursor.
function moreList(page, filters, suffix) {
  const list = h('ul', { class: 'tickets', id: 'ticket-list' }, ...page.items.map((tk) => ticketRow(tk, `#/tickets/${tk.id}${suffix}`)));
  let cursor = page.next_cursor;
  const more = h('button', { type: 'button', hidden: !cursor, onclick: async () => {
    more.disabled = true;
    try {
      const next = await api(`/api/v1/tickets?${filters}&cursor=${encodeURIComponent(cursor)}`);
      list.append(...next.items.map((tk) => ticketRow(tk, `#/tickets/${tk.id}${suffix}`)));
      cursor = next.next_cursor;
      more.hidden = !cursor;
    } finally {
      more.disabled = false;
    }
  } }, t('加载更多'));
  return h('div', {}, list, more);
}
