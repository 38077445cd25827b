// 明察倒计时: the CCTV points and declared sites the evaluation team will pull footage from or walk,
// worst first, each with why it is red or yellow, its last 30 days as squares and its open problems;
// beside the list (on a phone behind a link) the same points on a map. #/readiness/coverage is the
// coverage table (coverage.js).
import { api } from '../api.js';
import { h, formatTime } from '../dom.js';
import { t, lang, statusName, errorText } from '../i18n.js';
import { countyDay } from '../geo.js';
import { reference } from '../data.js';
import { dayState, sortedDays } from '../points.js';
import { pointMeta, split } from './parts.js';

const DAYS = 30;
const STATUS = { red: ['红', '超期或漏巡'], yellow: ['黄', '待整改或今日未巡'], green: ['绿', '正常'] };
const REASONS = { overdue_problem: '有问题超期未整改', missed_yesterday: '昨日漏巡', open_problem: '有问题正在整改',
                  not_patrolled_today: '今日尚未巡查' };
const DAY_WORDS = { done: '已巡', missed: '漏巡', today: '今日未巡', idle: '无需巡查' };
const COLOURS = { red: '#b3261e', yellow: '#c98a00', green: '#1b6e33' };
const EDITORS = ['admin', 'dispatcher'];

let map = null;
window.addEventListener('hashchange', () => { map?.remove(); map = null; });

export async function render(context) {
  if (context.params[0] === 'coverage') return (await import('./coverage.js')).render(context);
  map?.remove();
  map = null;
  const { user, query } = context;
  const filters = new URLSearchParams(query);
  const link = (changes) => {
    const next = new URLSearchParams(query);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || next.get(key) === value) next.delete(key); else next.set(key, value);
    }
    const text = next.toString();
    return `#/readiness${text ? '?' + text : ''}`;
  };
  const cctv = filters.get('cctv') === 'true';
  const list = h('section', { class: 'readiness' }, h('h2', {}, t('明察倒计时')));
  let data;
  try {
    data = await api(`/api/v1/key-points/readiness?days=${DAYS}${cctv ? '&cctv=true' : ''}`);
  } catch (error) {
    list.append(h('p', { class: 'error', role: 'alert' }, errorText(error)));
    return split(list, null);
  }
  const pointTypes = await reference('pointTypes', { refresh: false }).then((r) => r.value).catch(() => []);
  const typeNames = Object.fromEntries(pointTypes.map((p) => [p.code, lang === 'en' ? p.name_en : p.name]));
  const today = countyDay(new Date(data.as_of));
  const counts = { red: 0, yellow: 0, green: 0 };
  for (const entry of data.points) counts[entry.status] += 1;
  const status = STATUS[filters.get('status')] ? filters.get('status') : null;
  const shown = status ? data.points.filter((entry) => entry.status === status) : data.points;
  const canEdit = EDITORS.includes(user.role);

  list.append(
    h('p', { class: 'hint' }, `${t('截至')} ${formatTime(data.as_of)} · ${t('监控点位和申报点位近30天巡查情况')}`),
    h('nav', { class: 'chips', 'aria-label': t('筛选') },
      h('a', { href: link({ cctv: null }), class: 'chip', 'aria-current': cctv ? null : 'true' }, t('全部')),
      h('a', { href: link({ cctv: 'true' }), class: 'chip', 'aria-current': cctv ? 'true' : null }, t('仅监控点位'))),
    h('nav', { class: 'chips counts', 'aria-label': t('按状态筛选') },
      ...Object.keys(STATUS).map((key) => h('a', { href: link({ status: key }), class: `chip light ${key}`, id: `count-${key}`,
                                                   'aria-current': status === key ? 'true' : null },
        `● ${t(STATUS[key][0])} ${counts[key]}`))),
    h('p', { class: 'hint legend' }, Object.values(STATUS).map(([word, meaning]) => `${t(word)}${t('：')}${t(meaning)}`).join(t('；'))),
    legend(),
    h('p', { class: 'board-links' },
      h('a', { href: '#/readiness/coverage', class: 'back' }, `${t('巡查覆盖')} ›`),
      h('a', { href: link({ map: '1' }), class: 'back phone-only' }, `${t('点位地图')} ›`)),
    shown.length
      ? h('ol', { class: 'board-list', id: 'readiness-list' }, ...shown.map((entry) => pointRow(entry, today, typeNames, canEdit)))
      : h('p', { class: 'empty' }, t('暂无点位')));

  // Leaflet only when the map is on screen: beside the list on a desk, behind the link on a phone.
  const showMap = filters.get('map') === '1' || matchMedia('(min-width: 1024px)').matches;
  if (!showMap) return split(list, null);
  const box = h('div', { id: 'readiness-map', class: 'map board-map', role: 'application', 'aria-label': t('点位地图') });
  requestAnimationFrame(() => drawMap(box, shown, typeNames, canEdit));
  const layout = split(list, h('section', {},
    h('a', { href: link({ map: null }), class: 'back phone-only' }, `‹ ${t('返回列表')}`),
    h('h3', {}, t('点位地图')), box));
  layout.classList.add('board'); // on a desk the list, with its strips, gets the wider column
  return layout;
}

// What the squares mean, drawn with the same squares.
function legend() {
  const sample = (state, word) => h('span', {}, h('span', { class: `day ${state}`, 'aria-hidden': 'true' }), ' ', t(word));
  return h('p', { class: 'hint legend days-legend' }, sample('done', '已巡'), sample('missed', '漏巡'),
    sample('done problem', '发现问题'), sample('done overdue', '有超期问题'), sample('today', '今日未巡'),
    sample('idle', '无需巡查'));
}

function reasonText(entry) {
  const reasons = (entry.reasons || []).map((code) => REASONS[code]).filter(Boolean).map(t);
  return reasons.length ? reasons.join(t('、')) : t((STATUS[entry.status] || STATUS.green)[1]);
}

function dayLabel(day, state) {
  const facts = [day.date, t(DAY_WORDS[state])];
  if (day.problems) facts.push(`${t('发现问题')} ${Number(day.problems) || ''}`.trim());
  if (day.overdue) facts.push(t('有超期问题'));
  return facts.join(' · ');
}

function pointRow(entry, today, typeNames, canEdit) {
  const point = entry.key_point;
  const days = sortedDays(entry.days);
  const states = days.map((day) => dayState(day, point, today));
  const facts = h('p', { class: 'hint day-facts', 'aria-live': 'polite', hidden: true });
  const strip = h('ol', { class: 'days', 'aria-label': t('近30天巡查') }, ...days.map((day, i) => {
    const label = dayLabel(day, states[i]);
    return h('li', { class: `day ${states[i]}${day.problems ? ' problem' : ''}${day.overdue ? ' overdue' : ''}`, title: label },
      h('span', { class: 'visually-hidden' }, label));
  }));
  // No hover on a phone: a tap on a square says what the day was.
  strip.addEventListener('click', (event) => {
    facts.textContent = event.target.closest('li')?.title || '';
    facts.hidden = !facts.textContent;
  });
  const count = (state) => states.filter((s) => s === state).length;
  const problemDays = days.filter((d) => d.problems).length;
  const tally = [`${t('已巡')} ${count('done')} ${t('天')}`, `${t('漏巡')} ${count('missed')} ${t('天')}`,
                 problemDays ? `${t('发现问题')} ${problemDays} ${t('天')}` : null].filter(Boolean);
  const [word] = STATUS[entry.status] || STATUS.green;
  return h('li', { class: `board-item status-${entry.status}`, 'data-id': point.id, 'data-status': entry.status },
    h('div', { class: 'board-head' },
      h('span', { class: `light ${entry.status}` }, `● ${t(word)}`), ' ',
      canEdit ? h('a', { href: `#/keypoints/${point.id}`, class: 'name' }, point.name) : h('strong', { class: 'name' }, point.name), ' ',
      h('span', { class: 'status' }, typeNames[point.point_type] || point.point_type_name || '')),
    h('div', { class: 'meta' }, pointMeta(point)),
    h('div', { class: `reasons light ${entry.status}` }, reasonText(entry)),
    strip, facts,
    h('div', { class: 'meta tally', 'aria-label': t('近30天') }, ...tally.map((text) => h('span', {}, text))),
    entry.open_tickets.length ? h('ul', { class: 'open-tickets' }, ...entry.open_tickets.map(ticketLink)) : null);
}

function ticketLink(ticket) {
  return h('li', {}, h('a', { href: `#/tickets/${ticket.id}` }, `${ticket.category_name} · ${statusName(ticket.status)}`),
    ticket.overdue ? h('span', { class: 'mark' }, t('超期')) : null,
    ticket.deadline_at ? h('span', { class: 'meta' }, ` ${t('期限')} ${formatTime(ticket.deadline_at)}`) : null);
}

async function drawMap(box, points, typeNames, canEdit) {
  if (!box.isConnected) return; // navigated away before the first frame
  const { baseMap, L } = await import('../minimap.js');
  const drawn = await baseMap(box, { zoomSnap: 0.25 });
  if (!box.isConnected) { drawn.map.remove(); return; }
  map = drawn.map;
  // Red drawn last, so it sits on top where points crowd together.
  const order = { green: 0, yellow: 1, red: 2 };
  const markers = [...points].sort((a, b) => order[a.status] - order[b.status]).map((entry) => {
    const point = entry.key_point;
    return L.circleMarker(drawn.toLatLng(point.lon, point.lat), { radius: entry.status === 'red' ? 9 : 7, color: '#fff', weight: 2,
                                                                   fillColor: COLOURS[entry.status], fillOpacity: 0.95 })
      .bindPopup(popup(entry, typeNames, canEdit)).addTo(map);
  });
  const bounds = markers.length ? L.featureGroup(markers).getBounds() : drawn.gridLayer?.getBounds();
  if (bounds?.isValid()) map.fitBounds(bounds.pad(0.1), { maxZoom: 17 }); else map.fitWorld();
}

// Leaflet puts strings into the page as HTML; names come from the server, so it gets nodes.
function popup(entry, typeNames, canEdit) {
  const point = entry.key_point;
  const [word] = STATUS[entry.status] || STATUS.green;
  return h('div', { class: 'popup' },
    h('strong', {}, point.name), h('br'),
    h('span', { class: `light ${entry.status}` }, `● ${t(word)}`), ` ${reasonText(entry)}`, h('br'),
    h('span', { class: 'meta' }, [typeNames[point.point_type] || point.point_type_name, pointMeta(point)].filter(Boolean).join(' · ')),
    entry.open_tickets.length ? h('ul', { class: 'open-tickets' }, ...entry.open_tickets.map(ticketLink)) : null,
    canEdit ? h('a', { href: `#/keypoints/${point.id}` }, `${t('编辑点位')} ›`) : null);
}
