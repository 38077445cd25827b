// The filters a ticket list was opened with (the overview's numbers link to them), in words a leader
// reads: "状态：已交办、整改中、返工" "单位：综合执法局" "超期", never "status=…&bureau=zhzf".
import { formatTime, h } from '../dom.js';
import { lang, statusName, t } from '../i18n.js';
import { reference } from '../data.js';

const FLAGS = { overdue: '超期', escalated: '督办', recurring: '反复' };

// A code's name from reference data (names are a nicety: offline or unknown, the code itself).
async function nameIn(source, find) {
  try {
    return find((await reference(source, { refresh: false }).catch(() => reference(source))).value);
  } catch {
    return null;
  }
}

async function chip(key, value, filters) {
  const labelled = (label, text) => `${t(label)}${t('：')}${text}`;
  if (key === 'status') return labelled('状态', value.split(',').map(statusName).join(t('、')));
  if (FLAGS[key]) return value === 'true' ? t(FLAGS[key]) : `${t('非')}${t(FLAGS[key])}`;
  if (key === 'bureau') return labelled('单位', await nameIn('bureaus', (all) => all.find((b) => b.code === value)?.name) || value);
  if (key === 'cell') {
    return labelled('网格', await nameIn('grid', (grid) => grid.features.find((f) => f.properties.code === value)?.properties.name) || value);
  }
  if (key === 'category') {
    const name = await nameIn('categories', (all) => all.find((c) => c.code === value)?.[lang === 'en' ? 'name_en' : 'name']);
    return labelled('问题类别', name || value);
  }
  if (key === 'since') {
    return filters.has('until') ? labelled('上报时间', `${formatTime(value)} – ${formatTime(filters.get('until'))}`)
      : t('{when} 以来', { when: formatTime(value) });
  }
  if (key === 'until') return filters.has('since') ? null : labelled('上报时间', `… – ${formatTime(value)}`);
  if (key === 'reworked') return t(value === 'true' ? '有返工' : '无返工');
  if (key === 'due_from') return labelled('期限', `${formatTime(value)} – ${formatTime(filters.get('due_to')) || '…'}`);
  if (key === 'due_to') return filters.has('due_from') ? null : labelled('期限', `… – ${formatTime(value)}`);
  if (key === 'author' && value === 'me') return t('我上报的');
  return `${key}: ${value}`;
}

/** The chips for a list's query string, and a way back to the whole list. */
export async function filterChips(query) {
  const filters = new URLSearchParams(query);
  const chips = (await Promise.all([...filters].map(([key, value]) => chip(key, value, filters)))).filter(Boolean);
  return h('div', { class: 'filters', id: 'filters' }, h('span', { class: 'filters-label' }, `${t('筛选')}${t('：')}`),
    ...chips.map((text) => h('span', { class: 'filter' }, text)),
    h('a', { href: '#/tickets', class: 'filters-clear' }, t('全部工单')));
}
