// 系统管理 · 工作日历: a year's holidays and make-up working days (the county's entries over the national
// calendar) as month grids, and a form to enter a published schedule a range at a time. Deadlines count
// working time on this calendar; for a year the server's calendar library does not know yet, Monday–Friday
// is assumed until the schedule is entered here.
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { addDays } from '../points.js';
import { clearErrors, showErrors } from './admin-parts.js';

const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];

export async function render({ params, rerender }) {
  const thisYear = new Date().getFullYear();
  const year = Number(params[0]) || (new Date().getMonth() >= 9 ? thisYear + 1 : thisYear);
  let overrides;
  try {
    overrides = await api(`/api/v1/calendar/overrides?year=${year}`);
  } catch (error) {
    return h('p', { class: 'error', role: 'alert' }, errorText(error));
  }
  const byDay = new Map(overrides.map((o) => [o.day, o]));
  const years = h('nav', { class: 'chips', 'aria-label': t('年份') }, ...[thisYear - 1, thisYear, thisYear + 1].map((y) =>
    h('a', { class: 'chip', href: `#/admin/calendar/${y}`, 'aria-current': y === year ? 'true' : null }, String(y))));
  return h('section', { class: 'calendar-admin' }, h('h2', {}, t('工作日历')), years,
    h('p', { class: 'hint' }, t('这里只列本县录入的调整；国家法定节假日由系统内置日历计算（尚未收录的年份按周一至周五上班）。')),
    rangeForm(year, rerender),
    h('p', { class: 'legend calendar-legend' }, h('span', { class: 'day-key holiday' }, t('放假')), ' ',
      h('span', { class: 'day-key workday' }, t('调休上班')), ' ', h('span', { class: 'day-key weekend' }, t('周末'))),
    h('div', { class: 'months', id: 'calendar-months' }, ...Array.from({ length: 12 }, (_, m) => month(year, m, byDay))),
    overrideList(overrides, rerender));
}

function month(year, index, byDay) {
  const first = `${year}-${String(index + 1).padStart(2, '0')}-01`;
  const lead = (new Date(`${first}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday first
  const days = [];
  for (let day = first; day.slice(0, 7) === first.slice(0, 7); day = addDays(day, 1)) days.push(day);
  const cell = (day) => {
    const override = byDay.get(day);
    const weekend = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7 >= 5;
    const kind = override ? (override.is_workday ? 'workday' : 'holiday') : weekend ? 'weekend' : '';
    return h('li', { class: `cal-day ${kind}`, title: override?.note || null, 'data-day': day }, String(Number(day.slice(8))));
  };
  return h('figure', { class: 'month' }, h('figcaption', {}, t('{m} 月', { m: index + 1 })),
    h('ol', { class: 'cal-grid', 'aria-label': t('{m} 月', { m: index + 1 }) },
      ...WEEKDAYS.map((w) => h('li', { class: 'cal-head', 'aria-hidden': 'true' }, t(w))),
      ...Array.from({ length: lead }, () => h('li', { class: 'cal-pad', 'aria-hidden': 'true' })), ...days.map(cell)));
}

// A published schedule comes as ranges ("2月6日至13日放假调休，共8天"; "2月14日（星期日）上班").
function rangeForm(year, rerender) {
  const from = h('input', { id: 'cal-from', type: 'date', required: true, min: `${year}-01-01`, max: `${year}-12-31` });
  const to = h('input', { id: 'cal-to', type: 'date', min: `${year}-01-01`, max: `${year}-12-31` });
  const kind = h('select', { id: 'cal-kind' }, h('option', { value: 'holiday' }, t('放假')), h('option', { value: 'workday' }, t('调休上班')));
  const note = h('input', { id: 'cal-note', type: 'text', maxLength: 128, placeholder: t('如：春节') });
  const general = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card calendar-form', id: 'calendar-form', novalidate: true },
    h('div', { class: 'pair' }, h('div', {}, h('label', { for: from.id }, t('从')), from), h('div', {}, h('label', { for: to.id }, t('至（可不填）')), to)),
    h('div', { class: 'pair' }, h('div', {}, h('label', { for: kind.id }, t('类型')), kind), h('div', {}, h('label', { for: note.id }, t('说明')), note)),
    general, h('button', { type: 'submit', class: 'primary' }, t('录入')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form, general);
    const last = to.value || from.value;
    if (!from.value || last < from.value || last.slice(0, 4) !== from.value.slice(0, 4)) {
      showErrors(form, general, { message: '请填写同一年内的起止日期', detail: { details: { field: 'from' } } }, { from: 'cal-from' });
      return;
    }
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      for (let day = from.value; day <= last; day = addDays(day, 1)) {
        await api(`/api/v1/calendar/overrides/${day}`, { method: 'PUT',
          json: { day, is_workday: kind.value === 'workday', note: note.value.trim() } });
      }
      toast(t('已保存'));
      if (location.hash === `#/admin/calendar/${from.value.slice(0, 4)}`) rerender();
      else location.hash = `#/admin/calendar/${from.value.slice(0, 4)}`;
    } catch (error) {
      showErrors(form, general, error, { day: 'cal-from', note: 'cal-note' });
    } finally {
      button.disabled = false;
    }
  });
  return h('details', { class: 'action', id: 'calendar-entry', open: true }, h('summary', {}, t('录入节假日安排')), form);
}

function overrideList(overrides, rerender) {
  if (!overrides.length) return h('p', { class: 'empty' }, t('该年尚无调整'));
  return h('table', { class: 'by-bureau', id: 'calendar-overrides' },
    h('thead', {}, h('tr', {}, ...['日期', '类型', '说明', ''].map((c) => h('th', { scope: 'col' }, c ? t(c) : '')))),
    h('tbody', {}, ...overrides.map((o) => h('tr', {}, h('th', { scope: 'row' }, o.day), h('td', {}, t(o.is_workday ? '调休上班' : '放假')),
      h('td', {}, o.note || '—'), h('td', {}, h('button', { type: 'button', class: 'inline danger', onclick: async () => {
        try {
          await api(`/api/v1/calendar/overrides/${o.day}`, { method: 'DELETE' });
          rerender();
        } catch (error) {
          toast(errorText(error), { error: true });
        }
      } }, t('删除')))))));
}
