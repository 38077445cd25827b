// 巡查覆盖 (#/readiness/coverage): of the patrols due in a period, how many were done, missed or are
// still open, by point, cell, inspector or bureau, lowest rate first; each row opens the points and
// days it missed.
import { api } from '../api.js';
import { h } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { countyDay } from '../geo.js';
import { PERIODS, periodRange } from '../points.js';

const PERIOD_NAMES = { today: '今天', week: '本周', last7: '近7天', month: '本月' };
const GROUPS = { point: ['点位', '按点位'], cell: ['网格', '按网格'], inspector: ['网格员', '按网格员'],
                 bureau: ['责任单位', '按责任单位'] };
const COLUMNS = [['due', '应巡'], ['patrolled', '已巡'], ['missed', '漏巡'], ['pending', '待巡']];
const pct = (rate) => (rate === null || rate === undefined ? '—' : `${Math.round(rate * 1000) / 10}%`);

export async function render({ query }) {
  const filters = new URLSearchParams(query);
  const today = countyDay();
  const custom = filters.has('from');
  const period = PERIODS.includes(filters.get('period')) ? filters.get('period') : 'week';
  const [from, to] = custom ? [filters.get('from'), filters.get('to') || today] : periodRange(period, today);
  const by = GROUPS[filters.get('by')] ? filters.get('by') : 'point';
  const link = (changes) => {
    const next = new URLSearchParams(query);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) next.delete(key); else next.set(key, value);
    }
    return `#/readiness/coverage?${next}`;
  };

  const fromInput = h('input', { id: 'coverage-from', type: 'date', value: from, max: today, required: true });
  const toInput = h('input', { id: 'coverage-to', type: 'date', value: to, max: today, required: true });
  const range = h('form', { class: 'range' },
    h('div', {}, h('label', { for: 'coverage-from' }, t('从')), fromInput),
    h('div', {}, h('label', { for: 'coverage-to' }, t('至')), toInput),
    h('button', { type: 'submit' }, t('查询')));
  range.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = link({ period: null, from: fromInput.value, to: toInput.value });
  });
  const controls = h('div', { class: 'coverage-controls' },
    h('a', { href: '#/readiness', class: 'back' }, `‹ ${t('明察倒计时')}`),
    h('h2', {}, t('巡查覆盖')),
    h('nav', { class: 'chips', 'aria-label': t('统计时段') }, ...PERIODS.map((key) =>
      h('a', { href: link({ period: key, from: null, to: null }), class: 'chip',
               'aria-current': !custom && period === key ? 'true' : null }, t(PERIOD_NAMES[key])))),
    range,
    h('nav', { class: 'chips', 'aria-label': t('分组') }, ...Object.entries(GROUPS).map(([key, [, label]]) =>
      h('a', { href: link({ by: key }), class: 'chip', 'aria-current': by === key ? 'true' : null }, t(label)))));

  const results = h('div', { class: 'coverage-results' });
  try {
    const data = await api(`/api/v1/coverage?from=${from}&to=${to}&by=${by}`);
    const totals = data.totals;
    results.append(
      h('p', { class: 'coverage-total' }, `${data.from} ${t('至')} ${data.to} · ${t('巡查率')} `,
        h('strong', {}, pct(totals.rate)), ` · ${COLUMNS.map(([key, label]) => `${t(label)} ${totals[key]}`).join(' · ')}`),
      table(data, by));
  } catch (error) {
    results.append(h('p', { class: 'error', role: 'alert' }, errorText(error)));
  }
  return h('section', { class: 'coverage' }, controls, results);
}

function table(data, by) {
  if (!data.rows.length) return h('p', { class: 'empty' }, t('该时段没有应巡点位'));
  // Lowest rate first: the rows to chase; rows with nothing due at the end.
  const rows = [...data.rows].sort((a, b) => (a.rate ?? 2) - (b.rate ?? 2) || b.missed - a.missed);
  const body = h('tbody');
  rows.forEach((row, i) => {
    const missed = row.missed_points || [];
    const listId = `missed-${i}`;
    const detail = h('tr', { class: 'missed-points', id: listId, hidden: true },
      h('td', { colspan: COLUMNS.length + 2 }, h('ul', {}, ...missed.map((m) =>
        h('li', {}, by === 'point' ? m.date : `${m.name} · ${m.date}`)))));
    const name = missed.length
      ? h('button', { type: 'button', class: 'expand', 'aria-expanded': 'false', 'aria-controls': listId, onclick: (event) => {
        const open = event.currentTarget.getAttribute('aria-expanded') !== 'true';
        event.currentTarget.setAttribute('aria-expanded', String(open));
        detail.hidden = !open;
      } }, row.name)
      : row.name;
    body.append(h('tr', {},
      h('th', { scope: 'row' }, name),
      ...COLUMNS.map(([key]) => h('td', { class: key === 'missed' && row.missed ? 'num error' : 'num' }, String(row[key]))),
      h('td', { class: 'num' }, pct(row.rate))));
    if (missed.length) body.append(detail);
  });
  return h('table', { class: 'coverage-table', id: 'coverage-table' },
    h('caption', { class: 'hint' }, t('点名称查看漏巡明细')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t(GROUPS[by][0])),
      ...COLUMNS.map(([, label]) => h('th', { scope: 'col', class: 'num' }, t(label))),
      h('th', { scope: 'col', class: 'num' }, t('巡查率')))),
    body);
}
