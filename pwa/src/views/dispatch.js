// 周调度: the sheet of the weekly dispatch meeting (GET /api/v1/dispatch-sheet). A week to pick; per unit the
// week's new, closed, overdue, escalated and returned tickets and its recurring hotspots; then the overdue and
// escalated tickets by unit, each opening the ticket. Names throughout; codes only inside links.
import './figures.css';
import { api } from '../api.js';
import { h, formatTime } from '../dom.js';
import { t, statusName, errorText } from '../i18n.js';
import { countyDay } from '../geo.js';
import { addDays } from '../points.js';
import { shiftWeek, weekOf } from '../periods.js';
import { behind, hotspotBehind } from '../drilldown.js';

const COLUMNS = [['new', '新派'], ['closed', '结案'], ['overdue', '超期'], ['escalated', '督办'], ['returned', '退回待改派']];

export async function render({ query }) {
  const current = weekOf(countyDay()).label;
  const asked = new URLSearchParams(query).get('week');
  const week = /^\d{4}-W\d{2}$/.test(asked || '') ? asked : current;
  const page = h('section', { class: 'dispatch' }, h('h2', {}, t('周调度')), weekPicker(week, current));
  let sheet;
  try {
    sheet = await api(`/api/v1/dispatch-sheet?week=${week}`);
  } catch (error) {
    page.append(h('p', { class: 'error', role: 'alert' }, errorText(error)));
    return page;
  }
  const { period, totals } = sheet;
  const running = new Date(period.as_of) < new Date(period.ends_at);
  page.append(
    h('p', { class: 'period-title', id: 'sheet-period' }, `${period.label} · ${period.from} ${t('至')} ${addDays(period.to, -1)}`,
      running ? ` · ${t('截至')} ${formatTime(period.as_of)}` : ''),
    h('p', { class: 'tally', id: 'sheet-totals' }, ...COLUMNS.map(([key, label]) => h('span', {}, `${t(label)} `, h('strong', {}, String(totals[key])))),
      h('span', {}, `${t('反复点位')} `, h('strong', {}, String(totals.hotspots)))),
    sheet.units.length ? unitsTable(sheet, running) : h('p', { class: 'empty' }, t('本周各单位没有需要调度的事项')),
    h('div', { class: 'sheet-lists' },
      ticketList('sheet-overdue', t('超期未结工单'), sheet.overdue_tickets, totals.overdue),
      ticketList('sheet-escalated', t('本周督办工单'), sheet.escalated_tickets, totals.escalated)));
  return page;
}

function weekPicker(week, current) {
  const input = h('input', { id: 'sheet-week', type: 'week', value: week, max: current, required: true });
  const form = h('form', { class: 'week-picker' },
    h('a', { href: `#/dispatch?week=${shiftWeek(week, -1)}`, class: 'chip', id: 'week-before' }, `‹ ${t('上一周')}`),
    h('label', { for: 'sheet-week', class: 'visually-hidden' }, t('周次')), input,
    week < current ? h('a', { href: `#/dispatch?week=${shiftWeek(week, 1)}`, class: 'chip', id: 'week-after' }, `${t('下一周')} ›`) : null,
    week !== current ? h('a', { href: '#/dispatch', class: 'chip' }, t('本周')) : null);
  input.addEventListener('change', () => {
    if (input.value) location.hash = `#/dispatch?week=${input.value}`;
  });
  form.addEventListener('submit', (event) => event.preventDefault());
  return form;
}

// A unit's counts; overdue opens its list (as of the week's end, the closest the ticket list can say), and for
// the running week so do escalated and returned, which are the tickets as they are now.
function cell(unit, key, label, sheet, running) {
  const value = String(unit[key]);
  const links = {
    overdue: () => behind('overdue_open', sheet.period, unit.bureau_code),
    escalated: () => new URLSearchParams({ bureau: unit.bureau_code, escalated: 'true', status: 'dispatched,accepted,rework,rectified,returned' }).toString(),
    returned: () => new URLSearchParams({ status: 'returned', bureau: unit.bureau_code }).toString(),
  };
  const linked = unit[key] > 0 && links[key] && (key === 'overdue' || running);
  return h('td', { class: key === 'overdue' && unit[key] ? 'num error' : 'num', 'data-label': t(label) },
    linked ? h('a', { href: `#/tickets?${links[key]()}` }, value) : value);
}

function unitsTable(sheet, running) {
  return h('table', { class: 'stack sheet-table', id: 'sheet-units' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('单位')), ...COLUMNS.map(([, label]) => h('th', { scope: 'col' }, t(label))),
      h('th', { scope: 'col' }, t('反复点位')))),
    h('tbody', {}, ...sheet.units.map((unit) => h('tr', { 'data-unit': unit.bureau_code },
      h('th', { scope: 'row', class: 'unit' }, unit.name),
      ...COLUMNS.map(([key, label]) => cell(unit, key, label, sheet, running)),
      h('td', { class: 'hotspots', 'data-label': t('反复点位') }, unit.hotspots.length
        ? h('ul', {}, ...unit.hotspots.map((spot) => h('li', {}, h('a', { href: `#/tickets?${hotspotBehind(sheet.period, spot)}` },
          `${spot.cell_name} · ${spot.category_name}`), ` ${t('{n} 件（反复 {m}）', { n: spot.reports, m: spot.recurring })}`)))
        : '—')))));
}

function ticketList(id, title, tickets, total) {
  const section = h('section', { class: 'sheet-tickets', id, 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title` }, `${title} ${total}`));
  if (!tickets.length) {
    section.append(h('p', { class: 'empty' }, '—'));
    return section;
  }
  if (tickets.length < total) section.append(h('p', { class: 'hint' }, t('仅列出前 {n} 件', { n: tickets.length })));
  let unit = null;
  let list = null;
  for (const ticket of tickets) {
    if (ticket.bureau_name !== unit || !list) {
      unit = ticket.bureau_name;
      list = h('ul', { class: 'sheet-list' });
      section.append(h('h4', {}, unit || t('未分派')), list);
    }
    list.append(h('li', {}, h('a', { href: `#/tickets/${ticket.id}`, 'data-id': ticket.id },
      h('span', { class: 'what' }, ticket.category_name, ticket.cell_name ? ` · ${ticket.cell_name}` : ''),
      h('span', { class: 'meta' }, `${t('期限')} ${ticket.deadline_at ? formatTime(ticket.deadline_at) : '—'} · ${statusName(ticket.status)}`,
        ticket.escalated ? h('span', { class: 'mark' }, t('督办')) : null),
      ticket.description ? h('span', { class: 'note' }, ticket.description) : null)));
  }
  return section;
}
