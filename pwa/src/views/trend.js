// 趋势: the main figures week by week or month by month, for the county or one unit, as two uPlot charts
// (counts, and rates in %) with the same figures in a table below whose numbers open their tickets. Loaded
// with the leader's overview only (uPlot stays out of the phone's precache: vite.config.js).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api } from '../api.js';
import { h } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { behind } from '../drilldown.js';
import { pct } from './ranking.js';

const COUNT = 12;
const STEPS = { week: '按周', month: '按月' };
const COUNTS = [['reports', '上报', '#0b5cad'], ['closed', '结案', '#1b6e33'], ['overdue_open', '超期未结', '#b3261e']];
const RATES = [['closure_rate', '结案率', '#0b5cad'], ['on_time_rate', '按期结案率', '#1b6e33'],
               ['rework_rate', '返工率', '#b3261e']];
const TABLE = [['reports', '上报', 'reports'], ['due', '应结案', 'due'], ['closure_rate', '结案率', 'closed'],
               ['on_time_rate', '按期结案率', 'closed'], ['overdue_open', '超期未结', 'overdue_open'],
               ['rework_rate', '返工率', 'reworked']];
const FONT = '12px system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';

// W48 for a week, 11月 for a month: short enough for twelve under a phone's chart.
const tick = (label) => (label.includes('-W') ? label.slice(5) : t('{n}月', { n: Number(label.slice(5)) }));

function chart(points, series, { percent }) {
  const labels = points.map((p) => p.label);
  const data = [points.map((_, i) => i),
                ...series.map(([key]) => points.map((p) => (p[key] === null ? null : percent ? p[key] * 100 : p[key])))];
  const format = (value) => (value === null || value === undefined ? '—' : percent ? `${value.toFixed(1)}%` : String(value));
  return {
    data,
    options: {
      height: 200,
      scales: { x: { time: false }, y: percent ? { range: [0, 100] } : { range: (u, min, max) => [0, Math.max(4, max)] } },
      axes: [{ font: FONT, incrs: [1, 2, 3, 4, 6, 12], space: 34, values: (u, splits) => splits.map((i) => (labels[i] ? tick(labels[i]) : '')) },
             { font: FONT, size: 52, values: (u, splits) => splits.map((v) => (percent ? `${v}%` : String(v))) }],
      series: [{ label: t('时段'), value: (u, i) => labels[i] ?? '—' },
               ...series.map(([, label, stroke]) => ({ label: t(label), stroke, width: 2, points: { size: 6, fill: stroke },
                                                        value: (u, v) => format(v) }))],
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
    },
  };
}

function draw(box, points, series, percent, charts) {
  const { data, options } = chart(points, series, { percent });
  const plot = new uPlot({ ...options, width: Math.max(260, box.clientWidth) }, data, box);
  charts.push(plot);
}

function table(points, bureau) {
  return h('table', { class: 'stack trend-table', id: 'trend-table' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('时段')), ...TABLE.map(([, label]) => h('th', { scope: 'col' }, t(label))))),
    h('tbody', {}, ...points.map((point) => h('tr', {},
      h('th', { scope: 'row' }, point.label),
      ...TABLE.map(([key, label, list]) => h('td', { 'data-label': t(label) },
        h('a', { href: `#/tickets?${behind(list, point, bureau)}` }, key.endsWith('_rate') ? pct(point[key]) : String(point[key]))))))));
}

/** The trend section: step and unit to choose, charts and table below. `units`: [{ code, name }]. */
export function trendSection(units) {
  const state = { step: 'month', bureau: '' };
  const charts = [];
  const body = h('div', { class: 'trend-body', 'aria-live': 'polite' });
  const stepButtons = Object.entries(STEPS).map(([step, label]) => h('button', {
    type: 'button', class: 'chip', 'aria-pressed': String(step === state.step), 'data-step': step,
    onclick: () => { state.step = step; stepButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.step === step))); load(); },
  }, t(label)));
  const unit = h('select', { id: 'trend-unit', onchange: () => { state.bureau = unit.value; load(); } },
    h('option', { value: '' }, t('全县')), ...units.map((u) => h('option', { value: u.code }, u.name)));
  const observer = new ResizeObserver(() => charts.forEach((plot) => plot.setSize({ width: Math.max(260, plot.root.parentElement.clientWidth), height: 200 })));

  async function load() {
    charts.splice(0).forEach((plot) => plot.destroy());
    body.replaceChildren(h('p', { class: 'hint' }, t('加载中…')));
    let data;
    try {
      const query = new URLSearchParams({ step: state.step, count: COUNT, ...(state.bureau ? { bureau: state.bureau } : {}) });
      data = await api(`/api/v1/indicators/trend?${query}`);
    } catch (error) {
      body.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
      return;
    }
    const counts = h('div', { class: 'chart', role: 'img', 'aria-label': t('件数趋势图') });
    const rates = h('div', { class: 'chart', role: 'img', 'aria-label': t('比率趋势图') });
    body.replaceChildren(
      h('div', { class: 'charts' }, h('figure', {}, h('figcaption', {}, t('件数')), counts),
        h('figure', {}, h('figcaption', {}, t('比率')), rates)),
      h('details', { class: 'trend-data' }, h('summary', {}, t('数据表（点数字查看工单）')), table(data.points, state.bureau || null)));
    draw(counts, data.points, COUNTS, false, charts);
    draw(rates, data.points, RATES, true, charts);
    observer.observe(body);
  }

  const section = h('section', { class: 'trend', id: 'trend', 'aria-labelledby': 'trend-title' },
    h('h3', { id: 'trend-title' }, t('趋势')),
    h('div', { class: 'trend-controls' },
      h('div', { class: 'chips', role: 'group', 'aria-label': t('时间粒度') }, ...stepButtons),
      h('div', { class: 'trend-unit' }, h('label', { for: 'trend-unit' }, t('单位')), unit)),
    body);
  load();
  return section;
}
