// Supervision spot checks (督察抽查): draw a sample (period, rate, minimum per bureau; the seed is shown
// so the draw can be audited and redone), then the open tasks nearest first with a map link, and on
// site: photos, pass / fail and a note, queued offline and sent exactly once.
import { api } from '../api.js';
import { kvGet, kvSet } from '../db.js';
import { h, formatTime, toast } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { reference } from '../data.js';
import { countyDay, distanceM, watchBestFix } from '../geo.js';
import { subscribe } from '../outbox.js';
import { distanceText, mapUnavailable, navLinks } from '../place.js';
import { onSitePhotos, queueAction, split } from './parts.js';
import { ticketDetail } from './ticket.js';

let stop = null;
window.addEventListener('hashchange', () => { stop?.(); stop = null; });

async function openTasks() {
  try {
    const tasks = await api('/api/v1/spotchecks?status=open');
    await kvSet('list:spotchecks', tasks);
    return tasks;
  } catch (error) {
    const stored = await kvGet('list:spotchecks');
    if (!stored || error.status === 401 || error.status === 403) throw error;
    return stored;
  }
}

function drawForm(onDrawn) {
  const day = (offset) => countyDay(new Date(Date.now() + offset * 86400000));
  const from = h('input', { id: 'draw-from', type: 'date', value: day(-7), required: true });
  const to = h('input', { id: 'draw-to', type: 'date', value: day(0), required: true });
  // The period is whole days in the county, the end day included: the server's bound is exclusive.
  const nextDay = (value) => countyDay(new Date(Date.parse(`${value}T12:00:00+08:00`) + 86400000));
  const rate = h('input', { id: 'draw-rate', type: 'number', min: 1, max: 100, value: 10, required: true });
  const minimum = h('input', { id: 'draw-min', type: 'number', min: 0, max: 100, value: 1, required: true });
  const seed = h('input', { id: 'draw-seed', type: 'number', min: 0, placeholder: t('留空则随机') });
  const outcome = h('p', { id: 'draw-outcome', role: 'status' });
  const form = h('form', { class: 'card draw' },
    ...[[from, '结案日期从'], [to, '至'], [rate, '抽查比例（%）'], [minimum, '每单位至少'], [seed, '随机种子']].map(([input, label]) =>
      h('div', { class: 'field' }, h('label', { for: input.id }, t(label)), input)),
    h('button', { type: 'submit', class: 'primary' }, t('抽取')), outcome);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const drawn = await api('/api/v1/spotchecks/draws', { method: 'POST', json: {
        closed_from: `${from.value}T00:00:00+08:00`, closed_to: `${nextDay(to.value)}T00:00:00+08:00`,
        rate: Number(rate.value) / 100, min_per_bureau: Number(minimum.value),
        ...(seed.value ? { seed: Number(seed.value) } : {}) } });
      outcome.textContent = `${t('抽中')} ${drawn.tasks.length} · ${t('随机种子')} ${drawn.seed}`;
      onDrawn();
    } catch (error) {
      outcome.textContent = errorText(error);
    }
  });
  return h('details', { class: 'action' }, h('summary', {}, t('抽取样本')), form);
}

// A task names its problem, unit and cell as people know them (the catalogue's English name in English).
function taskRow(task, names, here) {
  const { lat, lon } = task.ticket;
  const metres = here ? distanceM(here.lat, here.lon, lat, lon) : null;
  const what = names[task.ticket.category_code] || task.ticket.category_name;
  return h('li', { class: 'row' },
    h('a', { href: `#/spotchecks/${task.id}`, class: 'ticket', 'data-ticket': task.ticket_id }, h('div', { class: 'row-body' },
      h('strong', {}, what),
      h('div', { class: 'meta' }, [task.bureau_name, task.ticket.cell_name, metres === null ? null : distanceText(metres),
                                   `${t('结案')} ${formatTime(task.ticket.closed_at)}`].filter(Boolean).join(' · ')))),
    navLinks(lat, lon, what));
}

function resultForm(task, sync, done) {
  const shots = onSitePhotos('spotcheck', 'spotcheck-photo');
  const note = h('textarea', { id: 'spotcheck-note', rows: 2, maxLength: 500 });
  const decide = (result) => async (event) => {
    const photos = shots.photos();
    if (!photos.length) { toast(t('请先拍现场照片'), { error: true }); return; }
    if (result === 'fail' && !note.value.trim()) { note.focus(); toast(t('请写明不合格的原因'), { error: true }); return; }
    const title = `${t('抽查')} ${t(result === 'pass' ? '合格' : '不合格')}`;
    event.currentTarget.parentElement.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    await queueAction({ ticketId: task.ticket_id, action: 'spotcheck', path: `/api/v1/spotchecks/${task.id}/result`,
                        body: { result, note: note.value.trim(), photo_ids: photos.map((p) => p.id) }, title, photos, sync });
    done(title);
  };
  return h('div', { class: 'card spotcheck' }, h('h3', {}, t('现场抽查')), shots.node,
    h('div', { class: 'field' }, h('label', { for: 'spotcheck-note' }, t('抽查说明')), note),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: decide('pass') }, t('合格')),
      h('button', { type: 'button', class: 'danger', onclick: decide('fail') }, t('不合格'))));
}

export async function render({ user, params, sync, rerender }) {
  stop?.();
  const categories = await reference('categories', { refresh: false }).then((r) => r.value).catch(() => []);
  const names = Object.fromEntries(categories.map((c) => [c.code, lang === 'en' ? c.name_en : c.name]));
  const listBox = h('ul', { class: 'tickets', id: 'spotcheck-list' });
  let tasks = [];
  let here = null;
  const draw = () => {
    const sorted = here ? [...tasks].sort((a, b) => distanceM(here.lat, here.lon, a.ticket.lat, a.ticket.lon)
      - distanceM(here.lat, here.lon, b.ticket.lat, b.ticket.lon)) : tasks;
    listBox.replaceChildren(...(sorted.length ? sorted.map((task) => taskRow(task, names, here)) : [h('li', { class: 'empty' }, t('暂无抽查任务'))]));
  };
  const refresh = async () => {
    try { tasks = await openTasks(); } catch (error) { toast(errorText(error), { error: true }); }
    draw();
  };
  await refresh();
  // A result that reaches the server closes its task: refresh the list (and its offline copy).
  const unsubscribe = subscribe((message) => { if (message.type === 'sent') refresh(); });
  window.addEventListener('hashchange', unsubscribe, { once: true });
  stop = watchBestFix((fix) => { if (fix) { here = fix; draw(); } }, { timeoutMs: 20000 });
  // The tasks on a map (WGS-84 on the grid, no tiles) next to the list, when no task is open.
  const mapBox = h('div', { class: 'minimap', 'aria-label': t('地图') });
  if (!params[0] && tasks.length) {
    requestAnimationFrame(() => import('../minimap.js').then(({ pointsMap }) => pointsMap(mapBox,
      tasks.map((task) => ({ lat: task.ticket.lat, lon: task.ticket.lon, label: names[task.ticket.category_code] || task.ticket.category_name })),
      here)).catch((error) => mapUnavailable(mapBox, error)));
  }
  const list = h('section', {}, h('h2', {}, t('抽查')), drawForm(() => { refresh(); }), h('h3', {}, t('待抽查（由近及远）')),
    !params[0] && tasks.length ? mapBox : null, listBox);
  let detail = null;
  const task = params[0] && tasks.find((x) => String(x.id) === params[0]);
  if (task) {
    const back = h('a', { href: '#/spotchecks', class: 'back' }, `‹ ${t('返回')}`);
    const queued = (await import('../outbox.js').then((m) => m.items()))
      .some((item) => item.path === `/api/v1/spotchecks/${task.id}/result`);
    detail = await ticketDetail(task.ticket_id, { user, sync, rerender, back });
    const slot = h('div', {}, queued ? h('p', { role: 'status', class: 'queued' }, t('已保存待发送'))
      : resultForm(task, sync, (title) => slot.replaceChildren(h('p', { role: 'status', class: 'queued' }, `${t('已保存待发送')} · ${title}`))));
    detail.insertBefore(slot, detail.querySelector('.actions-panel'));
  }
  return split(list, detail, t('选择一项抽查'));
}
