// The leader's one screen (领导总览): open, overdue and escalated tickets by bureau, today's reports,
// this week's closure and on-time rates. Every number opens the list behind it.
import { api } from '../api.js';
import { h, formatTime } from '../dom.js';
import { t, errorText } from '../i18n.js';

const pct = (rate) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`);

export async function render() {
  let data;
  try {
    data = await api('/api/v1/indicators/overview');
  } catch (error) {
    return h('p', { class: 'error', role: 'alert' }, errorText(error));
  }
  const open = 'status=dispatched,accepted,rework,rectified';
  const running = 'status=dispatched,accepted,rework'; // overdue counts only where the clock runs
  const number = (value, query, label) => h('a', { href: `#/tickets?${query}`, class: 'figure' },
    h('span', { class: 'value' }, String(value)), h('span', { class: 'label' }, label));
  const since = new Date(data.day_start).toISOString();
  const thisWeek = `due_from=${encodeURIComponent(new Date(data.week_start).toISOString())}`
    + `&due_to=${encodeURIComponent(new Date(data.as_of).toISOString())}`;
  const closedDue = `status=closed&${thisWeek}`;
  const due = `status=dispatched,accepted,rework,rectified,returned,closed&${thisWeek}`;
  return h('section', { class: 'overview' }, h('h2', {}, t('总览')),
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
    // 暗访: problems the supervision team found itself count against the cell's inspectors.
    data.missed_this_week.length ? h('table', { class: 'by-bureau', id: 'missed' },
      h('caption', {}, t('本周暗访发现（计网格漏报）')),
      h('thead', {}, h('tr', {}, ...['网格', '网格员', '件数'].map((c) => h('th', { scope: 'col' }, t(c))))),
      h('tbody', {}, ...data.missed_this_week.map((m) => h('tr', {},
        h('th', { scope: 'row' }, m.cell_name, ' ', h('small', { class: 'code' }, m.cell_code)),
        h('td', {}, m.inspector_names.join(t('、'))),
        h('td', {}, h('a', { href: `#/tickets?cell=${encodeURIComponent(m.cell_code)}&since=${encodeURIComponent(new Date(data.week_start).toISOString())}` },
          String(m.count))))))) : null);
}
