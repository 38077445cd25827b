// The leader's overview (领导总览): a period to pick (本周 / 本月 / 本季 / 上月 / dates), its figures, the units'
// ranking with the red and black lists and the trends; then what is open right now (open, overdue and
// escalated tickets by unit, today's reports, this week's rates, the cells' misses: supervision's own finds and
// citizens' reports). Every number opens the tickets behind it, whose chips say in words what was picked; the
// misses split by source are shown as they are, since the ticket list does not filter by source.
import './figures.css';
import { api } from '../api.js';
import { h, formatTime } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { countyDay } from '../geo.js';
import { addDays } from '../points.js';
import { behind } from '../drilldown.js';
import { chosenPeriod, periodPicker, periodQuery } from './periodpicker.js';
import { pct, rankingTable, unitsTable } from './ranking.js';

const number = (value, query, label, key) => h('a', { href: `#/tickets?${query}`, class: 'figure', 'data-figure': key },
  h('span', { class: 'value' }, String(value)), h('span', { class: 'label' }, label));
const shown = (value, label, key) => h('div', { class: 'figure', 'data-figure': key },
  h('span', { class: 'value' }, String(value)), h('span', { class: 'label' }, label));
// 漏报: problems the cells' inspectors did not report first, by whom they were found.
const missedLabel = (m) => `${t('漏报')} · ${t('督察暗访')} ${m.supervision_finds} · ${t('群众反映')} ${m.citizen_reports}`;

export async function render({ query }) {
  const today = countyDay();
  const chosen = chosenPeriod(query, today);
  const apiQuery = periodQuery(chosen);
  const [now, figures, ranking] = await Promise.allSettled([
    api('/api/v1/indicators/overview'),
    api(`/api/v1/indicators?${apiQuery}`),
    chosen.period ? api(`/api/v1/rankings?${apiQuery}`) : Promise.resolve(null)]);
  const page = h('section', { class: 'overview' }, h('h2', {}, t('总览')), periodPicker(chosen, today));
  if (figures.status === 'rejected' || ranking.status === 'rejected') {
    page.append(h('p', { class: 'error', role: 'alert' }, errorText(figures.reason || ranking.reason)));
  } else {
    page.append(periodSection(figures.value, ranking.value));
  }
  page.append(now.status === 'fulfilled' ? liveSection(now.value) : h('p', { class: 'error', role: 'alert' }, errorText(now.reason)));
  return page;
}

function periodTitle(period) {
  const days = `${period.from} ${t('至')} ${addDays(period.to, -1)}`;
  const running = new Date(period.as_of) < new Date(period.ends_at);
  return [period.label ? `${period.label} · ${days}` : days, running ? ` · ${t('截至')} ${formatTime(period.as_of)}` : ''].join('');
}

// The period's figures for the county, the ranking (or for dates, the units' figures) and the trends.
function periodSection(figures, ranking) {
  const { period, totals } = figures;
  const trend = h('div', { id: 'trend-slot' });
  const units = (ranking ? ranking.units.map((u) => ({ code: u.bureau_code, name: u.name }))
    : figures.rows.map((u) => ({ code: u.key, name: u.name })));
  import('./trend.js').then(({ trendSection }) => trend.replaceWith(trendSection(units)));
  return h('div', { class: 'period-view' },
    h('p', { class: 'period-title', id: 'period-title' }, periodTitle(period)),
    h('section', { class: 'period-figures', 'aria-labelledby': 'period-figures-title' },
      h('h3', { id: 'period-figures-title' }, t('本期指标')),
      h('div', { class: 'figures', id: 'period-figures' },
        number(totals.reports, behind('reports', period), t('上报数'), 'reports'),
        number(totals.due, behind('due', period), t('应结案数'), 'due'),
        number(pct(totals.closure_rate), behind('closed', period), `${t('结案率')} ${totals.closed}/${totals.due}`, 'closure_rate'),
        number(pct(totals.on_time_rate), behind('closed', period), `${t('按期结案率')} ${totals.on_time}/${totals.due}`, 'on_time_rate'),
        number(totals.overdue_open, behind('overdue_open', period), t('超期未结数'), 'overdue_open'),
        number(pct(totals.rework_rate), behind('reworked', period),
          `${t('返工率')} ${totals.verification_fails + totals.spotcheck_fails}/${totals.rectifications}`, 'rework_rate'),
        shown(totals.missed, missedLabel(totals), 'missed'))),
    h('section', { class: 'ranking-section', 'aria-labelledby': 'ranking-title' },
      h('h3', { id: 'ranking-title' }, t(ranking ? '单位排名' : '各单位指标')),
      ranking ? rankingTable(ranking) : unitsTable(figures)),
    trend);
}

// Right now: what the overview endpoint counts, each number opening the list behind it.
function liveSection(data) {
  const open = 'status=dispatched,accepted,rework,rectified';
  const running = 'status=dispatched,accepted,rework'; // overdue counts only where the clock runs
  const since = new Date(data.day_start).toISOString();
  const thisWeek = `due_from=${encodeURIComponent(new Date(data.week_start).toISOString())}`
    + `&due_to=${encodeURIComponent(new Date(data.as_of).toISOString())}`;
  const closedDue = `status=closed&${thisWeek}`;
  const due = `status=dispatched,accepted,rework,rectified,returned,closed&${thisWeek}`;
  return h('section', { class: 'live', 'aria-labelledby': 'live-title' },
    h('h3', { id: 'live-title' }, t('当前在办')),
    h('p', { class: 'hint' }, `${t('截至')} ${formatTime(data.as_of)}`),
    h('div', { class: 'figures' },
      number(data.totals.open, open, t('在办')),
      number(data.totals.overdue, `${running}&overdue=true`, t('超期')),
      number(data.totals.escalated, `${open}&escalated=true`, t('督办')),
      number(data.today.reports, `since=${encodeURIComponent(since)}`, t('今日上报')),
      // The rates open the tickets they are made of: those due this week that were closed.
      number(pct(data.week.closure_rate), `${closedDue}`, `${t('本周结案率')} ${data.week.closed}/${data.week.due}`),
      number(pct(data.week.on_time_rate), `${closedDue}`, `${t('本周按期结案率')} ${data.week.on_time}/${data.week.due}`)),
    h('p', {}, h('a', { href: `#/tickets?${due}`, class: 'back' }, `${t('本周到期')} ${data.week.due}`)),
    h('table', { class: 'by-bureau' },
      h('caption', {}, t('各单位')),
      h('thead', {}, h('tr', {}, ...['单位', '在办', '超期', '督办'].map((c) => h('th', { scope: 'col' }, t(c))))),
      h('tbody', {}, ...data.bureaus.map((b) => h('tr', {},
        h('th', { scope: 'row' }, b.name),
        h('td', {}, h('a', { href: `#/tickets?${open}&bureau=${encodeURIComponent(b.code)}` }, String(b.open))),
        h('td', {}, h('a', { href: `#/tickets?${running}&bureau=${encodeURIComponent(b.code)}&overdue=true` }, String(b.overdue))),
        h('td', {}, h('a', { href: `#/tickets?${open}&bureau=${encodeURIComponent(b.code)}&escalated=true` }, String(b.escalated))))))),
    // What supervision found itself (暗访) and what citizens reported (群众反映) count against the cell's inspectors.
    // A stack table: five columns fold into labelled lines on a phone.
    data.missed_this_week.length ? h('table', { class: 'stack', id: 'missed' },
      h('caption', {}, t('本周暗访与群众反映（计网格漏报）')),
      h('thead', {}, h('tr', {}, ...['网格', '网格员', '督察暗访', '群众反映', '件数'].map((c) => h('th', { scope: 'col' }, t(c))))),
      h('tbody', {}, ...data.missed_this_week.map((m) => h('tr', {},
        h('th', { scope: 'row' }, m.cell_name, ' ', h('small', { class: 'code' }, m.cell_code)),
        h('td', { 'data-label': t('网格员') }, m.inspector_names.join(t('、'))),
        h('td', { class: 'num', 'data-label': t('督察暗访'), 'data-source': 'supervision' }, String(m.supervision_finds)),
        h('td', { class: 'num', 'data-label': t('群众反映'), 'data-source': 'citizen' }, String(m.citizen_reports)),
        h('td', { class: 'num', 'data-label': t('件数') }, h('a', { href: `#/tickets?cell=${encodeURIComponent(m.cell_code)}&since=${encodeURIComponent(new Date(data.week_start).toISOString())}` },
          String(m.count))))))) : null);
}
