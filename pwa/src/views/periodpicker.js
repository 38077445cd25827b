// The overview's period picker: 本周 / 本月 / 本季 / 上月 as links to #/overview?period=…, and 自定义 dates from–to
// (both days included; the API's `to` is the day after).
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { addDays } from '../points.js';
import { CHOICES, choiceLabel } from '../periods.js';

const NAMES = { week: '本周', month: '本月', quarter: '本季', last_month: '上月' };

/** What the hash asks for: { period } or { from, to } (to excluded), 本月 by default. */
export function chosenPeriod(query, today) {
  const filters = new URLSearchParams(query);
  const [from, last] = [filters.get('from'), filters.get('to')];
  if (from && last && from <= last) return { from, to: addDays(last, 1) };
  return { period: filters.get('period') || choiceLabel('month', today) };
}

/** The API's query for a chosen period. */
export const periodQuery = (chosen) => new URLSearchParams(chosen.period ? { period: chosen.period } : chosen).toString();

export function periodPicker(chosen, today, { base = '#/overview' } = {}) {
  const custom = !chosen.period;
  const fromInput = h('input', { id: 'period-from', type: 'date', value: chosen.from || '', max: today, required: true });
  const toInput = h('input', { id: 'period-to', type: 'date', value: chosen.to ? addDays(chosen.to, -1) : '', max: today,
                               required: true });
  const form = h('form', { class: 'range', id: 'period-range', hidden: !custom },
    h('div', {}, h('label', { for: 'period-from' }, t('从')), fromInput),
    h('div', {}, h('label', { for: 'period-to' }, t('至')), toInput),
    h('button', { type: 'submit' }, t('查询')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `${base}?from=${fromInput.value}&to=${toInput.value}`;
  });
  const toggle = h('button', { type: 'button', class: 'chip', 'aria-expanded': String(custom), 'aria-controls': 'period-range',
                               'aria-pressed': String(custom), onclick: () => {
    form.hidden = !form.hidden;
    toggle.setAttribute('aria-expanded', String(!form.hidden));
  } }, t('自定义'));
  return h('div', { class: 'period-picker' },
    h('nav', { class: 'chips', 'aria-label': t('统计时段') },
      ...CHOICES.map((choice) => {
        const label = choiceLabel(choice, today);
        return h('a', { href: `${base}?period=${label}`, class: 'chip', 'data-period': label,
                        'aria-current': chosen.period === label ? 'true' : null }, t(NAMES[choice]));
      }),
      toggle),
    form);
}
