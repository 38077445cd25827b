// The bureau liaison's triage queue (责任单位待办): open tickets soonest deadline first, with the traffic
// light, marks for 督办 / 反复 / 返工, counts per state, filters, bulk accept for the morning's
// new tickets, and new tickets appearing without a reload (polled every 30 s).
import { api } from '../api.js';
import { kvGet, kvSet } from '../db.js';
import { h, formatTime, toast } from '../dom.js';
import { subscribe } from '../outbox.js';
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
  const cacheKey = `list:queue:${filters}`;
  async function refresh({ poll = false } = {}) {
    // Halfway through ticking tickets for bulk accept: leave the list alone until the next poll.
    if (poll && listBox.querySelector('input.pick:checked')) return;
    let page;
    let stale = false;
    try {
      page = await api(`/api/v1/queues/bureau?limit=100&${filters}`);
      await kvSet(cacheKey, { page, at: Date.now() });
    } catch (error) {
      const stored = await kvGet(cacheKey);
      if (!stored || error.status === 401 || error.status === 403) {
        listBox.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
        return;
      }
      ({ page } = stored);
      stale = stored.at;
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
      stale ? h('p', { class: 'hint' }, `${t('离线数据')} · ${t('上次更新')} ${formatTime(stale)}`) : '',
      fresh.length ? h('button', { type: 'button', id: 'bulk-accept', onclick: (event) => bulkAccept(event.currentTarget) },
        t('批量签收')) : '',
      page.items.length
        ? h('ul', { class: 'tickets', id: 'queue-list' }, ...page.items.map((tk) =>
          ticketRow(tk, `#/queue/${tk.id}${suffix}`, { selectable: tk.status === 'dispatched' })))
        : h('p', { class: 'empty' }, t('暂无工单')),
      page.next_cursor ? h('p', { class: 'hint' }, t('仅显示前100件，请用筛选缩小范围')) : '');
  }
  async function bulkAccept(button) {
    const boxes = [...listBox.querySelectorAll('input.pick:checked')];
    if (!boxes.length) {
      toast(t('请先勾选要签收的工单'), { error: true });
      return;
    }
    button.disabled = true; // one tap, one action per ticket
    const queued = new Set();
    for (const box of boxes) {
      box.checked = false;
      box.disabled = true;
      queued.add(await queueAction({ ticketId: box.value, action: 'accept', body: {}, title: t('签收'), sync }));
    }
    toast(`${t('已保存待发送')} · ${t('签收')} × ${boxes.length}`);
    // When the last of them has reached the server, show the queue as it is now.
    const unsubscribe = subscribe((message) => {
      if (message.type === 'sent' || message.type === 'changed') queued.delete(message.id);
      if (!queued.size) { unsubscribe(); refresh(); }
    });
  }
  await refresh();
  poll = setInterval(() => refresh({ poll: true }), 30000);
  const list = h('section', {}, h('h2', {}, `${t('待办')} · ${user.bureau?.name || ''}`), counts, listBox);
  const detail = params[0]
    ? await ticketDetail(params[0], { user, sync, rerender, back: h('a', { href: `#/queue${suffix}`, class: 'back' }, `‹ ${t('返回')}`) })
    : null;
  return split(list, detail, t('选择一张工单'));
}
