// The dispatcher's desk (创建办调度台): unrouted reports, tickets returned by a bureau, extension and
// park requests, parked tickets, each opening beside the list with reassign (bureau picker with each
// bureau's load), approve/deny, unpark or cancel.
import { api } from '../api.js';
import { h } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { split, ticketRow } from './parts.js';
import { ticketDetail } from './ticket.js';

const SECTIONS = [['reported', '待分派'], ['returned', '被退回'], ['extension_requests', '延期申请'],
  ['park_requests', '挂账申请'], ['parked', '挂起']];

// A returned ticket's row says why the unit sent it back: where it goes next is decided from the list.
function row(ticket, returned) {
  const item = ticketRow(ticket, `#/desk/${ticket.id}`);
  if (returned && ticket.return_reason) {
    item.querySelector('.row-body').append(h('div', { class: 'meta return-line' }, `${t('退回原因')}${t('：')}${ticket.return_reason}`));
  }
  return item;
}

export async function render({ user, params, sync, rerender }) {
  const list = h('section', {}, h('h2', {}, t('调度台')));
  try {
    const desk = await api('/api/v1/queues/dispatcher');
    for (const [key, label] of SECTIONS) {
      const items = desk[key].items;
      list.append(h('h3', { id: `desk-${key}` }, `${t(label)} ${items.length}`),
        items.length ? h('ul', { class: 'tickets' }, ...items.map((tk) => row(tk, key === 'returned')))
          : h('p', { class: 'empty' }, '—'));
    }
  } catch (error) {
    list.append(h('p', { class: 'error', role: 'alert' }, errorText(error)));
  }
  const detail = params[0]
    ? await ticketDetail(params[0], { user, sync, rerender, back: h('a', { href: '#/desk', class: 'back' }, `‹ ${t('返回')}`) })
    : null;
  return split(list, detail, t('选择一张工单'));
}
