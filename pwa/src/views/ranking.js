// The units' ranking of a period (排名, 红黑榜): place, unit, score, grade and change in place, then the figures
// the score is made of, each opening its tickets. Units with too few tickets due follow under 不参与排名. On a
// phone a row folds into two lines (style.css, table.stack). For a custom period, with no ranking, the units'
// figures alone (`rows` of GET /api/v1/indicators).
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { behind } from '../drilldown.js';

export const pct = (rate) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`);

const FIGURES = [['due', '应结案'], ['closure_rate', '结案率'], ['on_time_rate', '按期结案率'], ['overdue_open', '超期未结']];
// The list behind each: the due tickets, those of them closed (both rates), the overdue.
const LISTS = { due: 'due', closure_rate: 'closed', on_time_rate: 'closed', overdue_open: 'overdue_open' };

// The change in place as an arrow, and in words for a screen reader.
function change(value) {
  const cell = (className, mark, words) => h('td', { class: className, 'data-label': t('升降') },
    h('span', { 'aria-hidden': 'true' }, mark), h('span', { class: 'visually-hidden' }, words));
  if (!value) return cell('change', '—', t(value === 0 ? '名次不变' : '无上期名次'));
  const up = value > 0;
  return cell(`change ${up ? 'up' : 'down'}`, `${up ? '▲' : '▼'}${Math.abs(value)}`,
    t(up ? '上升 {n} 位' : '下降 {n} 位', { n: Math.abs(value) }));
}

// A figure opens its tickets; a 0 or a rate without tickets due has nothing behind it.
function figureCells(figures, period, bureau) {
  return FIGURES.map(([key, label]) => {
    const value = key.endsWith('_rate') ? pct(figures[key]) : String(figures[key]);
    const empty = key.endsWith('_rate') ? figures[key] === null : !figures[key];
    return h('td', { class: `figure-cell ${key}`, 'data-label': t(label) }, empty ? value
      : h('a', { href: `#/tickets?${behind(LISTS[key], period, bureau)}`, 'data-figure': key }, value));
  });
}

function marks(unit) {
  return [unit.red ? h('span', { class: 'mark red-list' }, t('红榜')) : null,
          unit.black ? h('span', { class: 'mark black-list' }, t('黑榜')) : null];
}

function row(unit, period) {
  return h('tr', { 'data-unit': unit.bureau_code, class: unit.red ? 'red-row' : unit.black ? 'black-row' : null },
    h('td', { class: 'place', 'data-label': t('名次') }, unit.rank === null ? '—' : String(unit.rank)),
    h('th', { scope: 'row', class: 'unit' }, unit.name, ...marks(unit)),
    h('td', { class: 'score', 'data-label': t('得分') }, unit.score === null ? '—' : unit.score.toFixed(1)),
    h('td', { class: 'grade', 'data-label': t('等级') }, unit.grade || '—'),
    change(unit.rank_change),
    ...figureCells(unit.figures, period, unit.bureau_code));
}

const head = (columns) => h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, t(c)))));

/** The ranking table of GET /api/v1/rankings; the units under the minimum in a second table (folded on a
 * phone), and those with nothing due named in one line. */
export function rankingTable(data) {
  const ranked = data.units.filter((u) => u.ranked);
  const others = data.units.filter((u) => !u.ranked && u.figures.due > 0);
  const idle = data.units.filter((u) => !u.ranked && !u.figures.due);
  const columns = ['名次', '单位', '得分', '等级', '升降', ...FIGURES.map(([, label]) => label)];
  const table = (id, units) => h('table', { class: 'ranking stack', id }, head(columns),
    h('tbody', {}, ...units.map((unit) => row(unit, data.period))));
  return h('div', { class: 'ranking-wrap' },
    h('p', { class: 'hint' }, t('红榜前 {red} 名、黑榜后 {black} 名；应结案少于 {min} 件的单位不参与排名',
      { red: data.settings.red, black: data.settings.black, min: data.settings.min_due })),
    ranked.length ? table('ranking', ranked) : h('p', { class: 'empty', id: 'ranking' }, t('本期没有单位达到排名所需的应结案数')),
    others.length ? h('details', { class: 'unranked', open: matchMedia('(min-width: 1024px)').matches },
      h('summary', {}, t('不参与排名 {n} 个单位', { n: others.length })), table('unranked', others)) : null,
    idle.length ? h('p', { class: 'hint', id: 'idle-units' }, `${t('本期无应结案工单')}${t('：')}`,
      idle.map((u) => u.name).join(t('、'))) : null);
}

/** The units' figures of a custom period (no ranking for a custom period), the most tickets due first. */
export function unitsTable(data) {
  return h('table', { class: 'ranking stack units-only', id: 'ranking' },
    h('caption', { class: 'hint' }, t('排名按周、月、季计算；自定义时段只列各单位指标')),
    head(['单位', ...FIGURES.map(([, label]) => label)]),
    h('tbody', {}, ...[...data.rows].sort((a, b) => b.due - a.due || b.reports - a.reports).map((unit) => h('tr', { 'data-unit': unit.key },
      h('th', { scope: 'row', class: 'unit' }, unit.name),
      ...figureCells(unit, data.period, unit.key)))));
}
