// The bureau liaison's triage queue (责任单位待办): open tickets soonest deadline first, with the traffic
// light, marks for 督办 / 反复 / 返工, counts per state, filters, bulk accept for the morning's
// new tickets, and new tickets appearing without a reload (polled every 30 s).
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { t, statusName, errorText } from '../i18n.js';
import { split, ticketRow, queueAction } from './parts.js';
import { ticketDetail } from './ticket.js';

const STATES = ['dispatched', 'accepted', 'rework', 'rectified'];
const FLAGS = [['overdue', '超期'], ['escalated', '督办'], ['recurring', '反复']];
let poll = null;
window.addEventListener('hashchange', () => { clearInterval(poll); poll = null; });

export async function render({ user, params, query, sync, rerender }) {
  clearInterval(poll);
  const filters = new URLSearchParams(query);
  const listBox = h('div', { id: 'queue' });
  const counts = h('nav', { class: 'chips', 'aria-label': t('按状态筛选') });
  const suffix = query ? `?${query}` : '';
  const link = (changes) => {
    const next = new URLSearchParams(query);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || next.get(key) === value) next.delete(key); else next.set(key, value);
    }
    const text = next.toString();
    return `#/queue${params[0] ? '/' + params[0] : ''}${text ? '?' + text : ''}`;
  };
  async function refresh() {
    let page;
    try {
      page = await api(`/api/v1/queues/bureau?limit=100&${filters}`);
    } catch (error) {
      listBox.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
      return;
    }
    const total = Object.values(page.counts).reduce((a, b) => a + b, 0);
    counts.replaceChildren(
      h('a', { href: link({ status: null }), class: 'chip', 'aria-current': filters.get('status') ? null : 'true' }, `${t('全部')} ${total}`),
      ...STATES.map((state) => h('a', { href: link({ status: state }), class: 'chip',
                                        'aria-current': filters.get('status') === state ? 'true' : null },
        `${statusName(state)} ${page.counts[state] ?? 0}`)),
      ...FLAGS.map(([flag, label]) => h('a', { href: link({ [flag]: 'true' }), class: 'chip',
                                             'aria-current': filters.get(flag) ? 'true' : null }, t(label))));
    const fresh = page.items.filter((tk) => tk.status === 'dispatched');
    listBox.replaceChildren(
      fresh.length ? h('button', { type: 'button', id: 'bulk-accept', onclick: () => bulkAccept() },
        t('批量签收')) : '',
      page.items.length
        ? h('ul', { class: 'tickets', id: 'queue-list' }, ...page.items.map((tk) =>
          ticketRow(tk, `#/queue/${tk.id}${suffix}`, { selectable: tk.status === 'dispatched' })))
        : h('p', { class: 'empty' }, t('暂无工单')));
  }
  async function bulkAccept() {
    const picked = [...listBox.querySelectorAll('input.pick:checked')].map((box) => box.value);
    if (!picked.length) {
      toast(t('请先勾选要签收的工单'), { error: true });
      return;
    }
    for (const ticketId of picked) {
      await queueAction({ ticketId, action: 'accept', body: {}, title: t('签收'), sync });
    }
    toast(`${t('已保存待发送')} · ${t('签收')} × ${picked.length}`);
  }
  await refresh();
  poll = setInterval(refresh, 30000);
  const list = h('section', {}, h('h2', {}, `${t('待办')} · ${user.bureau?.name || ''}`), counts, listBox);
  const detail = params[0]
    ? await ticketDetail(params[0], { user, sync, rerender, back: h('a', { href: `#/queue${suffix}`, class: 'back' }, `‹ ${t('返回')}`) })
    : null;
  return split(list, detail, t('选择一张工单'));
}
