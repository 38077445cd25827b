// Choosing a unit to reassign a ticket to: nearly fifty units, grouped as a dispatcher thinks of them —
// lead units (牵头单位), grid units (网格责任单位: responsible for a cell) and streets — with a search by
// name or code, and each unit's open and overdue tickets now, so the dispatcher sees who is swamped.
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { reference } from '../data.js';

const GROUPS = [['lead', '牵头单位'], ['grid', '网格责任单位'], ['street', '街道/乡镇']];

/** Which group a unit belongs in: streets by kind; a department responsible for a cell is a grid unit;
 * the rest (departments, offices, enterprises) lead on kinds of problems. */
const groupOf = (bureau, gridUnits) => (bureau.kind === 'street' ? 'street'
  : bureau.kind === 'department' && gridUnits.has(bureau.code) ? 'grid' : 'lead');

const matches = (bureau, query) => {
  const q = query.trim().toLowerCase();
  return !q || bureau.name.includes(query.trim()) || bureau.code.startsWith(q) || (bureau.name_en || '').toLowerCase().includes(q);
};

/** A labelled search box and select (id `id`) of the active units but `except`: { node, value(), name() }. */
export function bureauPicker({ id, label, except }) {
  const select = h('select', { id, required: true }, h('option', { value: '' }, t('加载中')));
  const search = h('input', { id: `${id}-search`, type: 'search', autocomplete: 'off', class: 'picker-search',
                              'aria-label': t('搜索单位（名称或代码）'), placeholder: t('搜索单位（名称或代码）') });
  let units = [];
  const draw = () => {
    const chosen = select.value;
    const shown = units.filter((unit) => matches(unit, search.value));
    select.replaceChildren(h('option', { value: '' }, shown.length ? t('请选择') : t('没有匹配的单位')),
      ...GROUPS.map(([group, title]) => {
        const members = shown.filter((unit) => unit.group === group);
        return members.length ? h('optgroup', { label: t(title) },
          ...members.map((unit) => h('option', { value: unit.code }, unit.label))) : null;
      }));
    // One match: it is the one (no second tap on the list); otherwise keep what was chosen.
    select.value = shown.length === 1 ? shown[0].code : shown.some((unit) => unit.code === chosen) ? chosen : '';
  };
  search.addEventListener('input', draw);
  Promise.all([reference('bureaus').then((r) => r.value), api('/api/v1/indicators/overview').catch(() => ({ bureaus: [] })),
    reference('grid', { refresh: false }).catch(() => reference('grid')).then((r) => r.value).catch(() => ({ features: [] }))])
    .then(([bureaus, overview, grid]) => {
      const load = Object.fromEntries(overview.bureaus.map((b) => [b.code, b]));
      const gridUnits = new Set(grid.features.map((f) => f.properties.responsible_bureau_code));
      units = bureaus.filter((b) => b.is_active && b.code !== except).map((b) => ({ ...b, group: groupOf(b, gridUnits),
        label: `${b.name} · ${t('在办')} ${load[b.code]?.open || 0}${load[b.code]?.overdue ? ` · ${t('超期')} ${load[b.code].overdue}` : ''}` }));
      draw();
    }).catch((error) => toast(errorText(error), { error: true }));
  return {
    node: h('div', { class: 'field' }, h('label', { for: id }, label), search, select),
    value: () => select.value,
    name: () => units.find((unit) => unit.code === select.value)?.name || '',
  };
}
