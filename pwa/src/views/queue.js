// The bureau liaison's queue (责任单位待办). By default, what the bureau must act on now, in sections —
// 待签收 (new, to accept), 返工, 待整改 (accepted, not yet rectified) — each soonest deadline first, so
// overdue on top, and each with its own first page: new work is never below a page of old. Tickets
// waiting for verification, which the bureau cannot act on, fold away below. Tickets that arrived since
// the liaison last looked are marked 新. A chip (state, 超期, 督办, 反复) shows one flat list instead.
// Bulk accept for the morning's new tickets; new tickets appear without a reload (polled every 30 s).
import { api } from '../api.js';
import { kvGet, kvSet } from '../db.js';
import { h, formatTime, toast } from '../dom.js';
import { subscribe } from '../outbox.js';
import { t, statusName, errorText } from '../i18n.js';
import { split, ticketRow, queueAction } from './parts.js';
import { ticketDetail } from './ticket.js';

const STATES = ['dispatched', 'accepted', 'rework', 'rectified'];
const FLAGS = [['overdue', '超期'], ['escalated', '督办'], ['recurring', '反复']];
const SECTIONS = [['dispatched', '待签收'], ['rework', '需返工'], ['accepted', '待整改']];
const PAGE = 20;
const ARRIVING = ['dispatched', 'rework']; // the states work arrives in from outside the bureau
const SEEN_MAX = 1000;
let poll = null;
// What the liaison saw when they last looked: read on coming to the queue and held until they leave it,
// so the 新 marks stay while they work through them; the new look is written after every showing
// (the app may be closed at any moment).
let look = null;
// What is ticked for bulk accept, kept apart from the boxes so that a redraw, or a filter's view replacing
// the one just ticked in, keeps it until the liaison leaves the queue.
const ticked = new Set();
window.addEventListener('hashchange', () => {
  clearInterval(poll);
  poll = null;
  if (!location.hash.startsWith('#/queue')) {
    look = null;
    ticked.clear();
  }
});

async function lastLook(user) {
  const key = `queue:seen:${user.id}`;
  if (look?.key !== key) look = { key, previous: await kvGet(key), seen: {} };
  return look;
}

/** Remember these tickets as seen (in their current state), keeping the newest SEEN_MAX. */
async function remember(current, tickets) {
  const seen = { ...current.previous?.seen, ...current.seen };
  for (const tk of tickets) {
    delete seen[tk.id]; // re-inserted last: the oldest entries are the ones dropped
    seen[tk.id] = tk.status;
  }
  const ids = Object.keys(seen);
  for (const id of ids.slice(0, Math.max(0, ids.length - SEEN_MAX))) delete seen[id];
  current.seen = seen;
  await kvSet(current.key, { at: Date.now(), seen });
}

export async function render({ user, params, query, sync, rerender }) {
  clearInterval(poll);
  const current = await lastLook(user);
  const isFresh = (tk) => Boolean(current.previous) && ARRIVING.includes(tk.status) && current.previous.seen?.[tk.id] !== tk.status;
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
  listBox.addEventListener('change', ({ target }) => {
    if (!target.matches('input.pick')) return;
    if (target.checked) ticked.add(target.value); else ticked.delete(target.value);
  });
  const row = (tk) => {
    const item = ticketRow(tk, `#/queue/${tk.id}${suffix}`, { selectable: tk.status === 'dispatched', fresh: isFresh(tk),
                                                              bureau: false });
    const box = item.querySelector('input.pick');
    if (box) box.checked = ticked.has(tk.id);
    return item;
  };
  const shown = {}; // tickets shown per list, so a poll keeps what "更多" brought in
  let rectifiedOpen = false;

  // One list that follows the server's keyset cursor ("更多"), for a section or the filtered view.
  function paged(name, search, page) {
    const list = h('ul', { class: 'tickets' }, ...page.items.map(row));
    let cursor = page.next_cursor;
    shown[name] = Math.max(shown[name] || 0, page.items.length);
    const more = h('button', { type: 'button', class: 'more', hidden: !cursor, onclick: async () => {
      more.disabled = true;
      try {
        const next = await api(`/api/v1/queues/bureau?${search}&limit=${PAGE}&cursor=${encodeURIComponent(cursor)}`);
        list.append(...next.items.map(row));
        shown[name] += next.items.length;
        cursor = next.next_cursor;
        more.hidden = !cursor;
        remember(current, next.items);
      } catch (error) {
        toast(errorText(error), { error: true });
      } finally {
        more.disabled = false;
      }
    } }, t('加载更多'));
    return [list, more];
  }
  const fetchPage = (name, search) => api(`/api/v1/queues/bureau?${search}&limit=${Math.min(200, Math.max(PAGE, shown[name] || 0))}`);

  // Each list is fetched on its own, and the last copy is kept for offline use.
  async function load(cacheKey, fetcher) {
    try {
      const value = await fetcher();
      await kvSet(cacheKey, { value, at: Date.now() });
      return { value };
    } catch (error) {
      const stored = await kvGet(cacheKey);
      if (!stored || error.status === 401 || error.status === 403) throw error;
      return stored;
    }
  }

  function chips(pageCounts) {
    const total = Object.values(pageCounts).reduce((a, b) => a + b, 0);
    counts.replaceChildren(
      h('a', { href: link({ status: null }), class: 'chip', 'aria-current': filters.get('status') ? null : 'true' }, `${t('全部')} ${total}`),
      ...STATES.map((state) => h('a', { href: link({ status: state }), class: 'chip',
                                        'aria-current': filters.get('status') === state ? 'true' : null },
        `${statusName(state)} ${pageCounts[state] ?? 0}`)),
      ...FLAGS.map(([flag, label]) => h('a', { href: link({ [flag]: 'true' }), class: 'chip',
                                             'aria-current': filters.get(flag) ? 'true' : null }, t(label))));
  }

  const bulkButton = () => h('button', { type: 'button', id: 'bulk-accept', onclick: (event) => bulkAccept(event.currentTarget) },
    t('批量签收'));

  // The default view: the sections, then what waits for verification.
  async function showSections() {
    const { value: pages, at } = await load('list:queue:sections',
      async () => Object.fromEntries(await Promise.all(SECTIONS.map(async ([status]) => [status, await fetchPage(status, `status=${status}`)]))));
    const pageCounts = pages.dispatched.counts;
    chips(pageCounts);
    const items = SECTIONS.flatMap(([status]) => pages[status].items);
    const fresh = items.filter(isFresh).length;
    const sections = SECTIONS.filter(([status]) => pages[status].items.length).map(([status, label]) =>
      h('section', { class: 'queue-section', id: `queue-${status}`, 'aria-label': t(label) },
        h('h3', {}, `${t(label)} `, h('span', { class: 'count' }, String(pageCounts[status] ?? pages[status].items.length))),
        status === 'dispatched' ? bulkButton() : null,
        ...paged(status, `status=${status}`, pages[status])));
    const waiting = pageCounts.rectified ? rectifiedSection(pageCounts.rectified) : null;
    listBox.replaceChildren(
      at ? h('p', { class: 'hint' }, `${t('离线数据')} · ${t('上次更新')} ${formatTime(at)}`) : '',
      fresh ? h('p', { class: 'hint', id: 'fresh-note' }, `${t('新到')} ${fresh} · ${t('上次查看')} ${formatTime(current.previous.at)}`) : '',
      sections.length || waiting
        ? h('div', { id: 'queue-list' }, ...sections, sections.length ? null : h('p', { class: 'hint' }, t('暂无待办')), waiting)
        : h('p', { class: 'empty' }, t('暂无工单')));
    await remember(current, items);
  }

  // Waiting for verification: nothing for the bureau to do, so folded, and fetched once opened.
  function rectifiedSection(count) {
    const body = h('div', {});
    const details = h('details', { class: 'queue-section', id: 'queue-rectified', open: rectifiedOpen },
      h('summary', {}, `${t('等待核查（无需操作）')} `, h('span', { class: 'count' }, String(count))), body);
    const fill = async () => {
      rectifiedOpen = details.open;
      if (!details.open || body.childElementCount) return;
      try {
        const { value } = await load('list:queue:rectified', () => fetchPage('rectified', 'status=rectified'));
        body.replaceChildren(...paged('rectified', 'status=rectified', value));
      } catch (error) {
        body.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
      }
    };
    details.addEventListener('toggle', fill);
    if (rectifiedOpen) fill();
    return details;
  }

  // A chip is on: one flat list, soonest deadline first.
  async function showFiltered() {
    const search = filters.toString();
    const { value: page, at } = await load(`list:queue:${search}`, () => fetchPage('filtered', search));
    chips(page.counts);
    const [list, more] = paged('filtered', search, page);
    list.id = 'queue-list';
    listBox.replaceChildren(
      at ? h('p', { class: 'hint' }, `${t('离线数据')} · ${t('上次更新')} ${formatTime(at)}`) : '',
      page.items.some((tk) => tk.status === 'dispatched') ? bulkButton() : '',
      page.items.length ? list : h('p', { class: 'empty' }, t('暂无工单')), more);
    await remember(current, page.items);
  }

  async function refresh({ poll = false } = {}) {
    // Halfway through ticking tickets for bulk accept: leave the list alone until the next poll.
    if (poll && listBox.querySelector('input.pick:checked')) return;
    try {
      await (query ? showFiltered() : showSections());
    } catch (error) {
      listBox.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
    }
  }
  async function bulkAccept(button) {
    const boxes = [...listBox.querySelectorAll('input.pick')].filter((box) => ticked.has(box.value));
    if (!boxes.length) {
      toast(t('请先勾选要签收的工单'), { error: true });
      return;
    }
    button.disabled = true; // one tap, one action per ticket
    const queued = new Set();
    for (const box of boxes) {
      ticked.delete(box.value);
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
