// 系统管理 · 派遣规则: the ordered routing rules, first match wins. Move a rule with its arrows, create, edit or
// delete one; before anything is saved, the tickets among the latest 200 that the change would send to another
// unit are listed. The server routes them again with the engine a capture goes through
// (POST /api/v1/routing/rules/preview), given the whole list as it would be after the change.
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { reference } from '../data.js';
import { split } from './parts.js';
import { clearErrors, showErrors } from './admin-parts.js';
import { mapUnavailable } from '../place.js';

const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];
const FIELDS = ['name', 'category_codes', 'point_type_codes', 'cell_prefixes', 'time_from', 'time_to', 'weekdays',
  'target_kind', 'bureau_code', 'is_enabled', 'note'];
// The server's field names → the form's inputs, for its refusals.
const IDS = { name: 'rule-name', category_codes: 'rule-categories', point_type_codes: 'rule-point-types',
  cell_prefixes: 'rule-area', time_from: 'rule-from', time_to: 'rule-to', weekdays: 'rule-weekdays',
  target_kind: 'rule-target', bureau_code: 'rule-target', note: 'rule-note', position: 'rule-position' };
const CELL_UNIT = '@cell';
const PREVIEW_DELAY_MS = 400;

const fields = (rule) => Object.fromEntries(FIELDS.map((key) => [key, rule[key]]));
const proposed = (list) => list.map((rule) => ({ id: rule.id ?? null, ...fields(rule) }));

export async function render({ params, rerender }) {
  let rules;
  let categories;
  let pointTypes;
  let bureaus;
  try {
    [rules, categories, pointTypes, bureaus] = await Promise.all([api('/api/v1/routing/rules'),
      api('/api/v1/categories?include_inactive=true'), api('/api/v1/point-types'), api('/api/v1/bureaus')]);
  } catch (error) {
    return h('p', { class: 'error', role: 'alert' }, errorText(error));
  }
  const grid = await reference('grid').then((r) => r.value).catch(() => ({ features: [] }));
  const names = namer(categories, pointTypes, bureaus, grid);
  const [key] = params;
  const list = ruleList(rules, names, rerender);
  if (!key) return split(list, null, t('选择一条规则，或新建'));
  const back = h('a', { href: '#/admin/rules', class: 'back' }, `‹ ${t('返回')}`);
  const rule = key === 'new' ? null : rules.find((r) => String(r.id) === key);
  const detail = key !== 'new' && !rule ? h('section', {}, back, h('p', { class: 'error', role: 'alert' }, t('不存在')))
    : ruleForm(rule, rules, names, { categories, pointTypes, bureaus, grid }, back);
  return split(list, detail);
}

/** Names for codes, in the current language: categories, point types, units and areas (street, community, cell). */
function namer(categories, pointTypes, bureaus, grid) {
  const shown = (item) => (lang === 'en' && item.name_en ? item.name_en : item.name);
  const category = new Map(categories.map((c) => [c.code, shown(c)]));
  const pointType = new Map(pointTypes.map((p) => [p.code, shown(p)]));
  const bureau = new Map(bureaus.map((b) => [b.code, shown(b)]));
  const area = new Map();
  for (const { properties: p } of grid.features || []) {
    area.set(p.street_code, p.street_name || p.street_code);
    area.set(p.community_code, p.community_name || p.community_code);
    area.set(p.code, p.name);
  }
  return {
    category: (code) => category.get(code) || code, pointType: (code) => pointType.get(code) || code,
    bureau: (code) => bureau.get(code) || code, area: (code) => area.get(code) || code,
  };
}

/** One line of what a rule matches and where it sends: "人行道乱停车 · 主次干道 · 城中街道 · 一至五 05:00–09:00 → 交警大队". */
function summary(rule, names) {
  const parts = [
    rule.category_codes.length ? rule.category_codes.map(names.category).join(t('、')) : t('全部类别'),
    rule.point_type_codes.length ? rule.point_type_codes.map(names.pointType).join(t('、')) : null,
    rule.cell_prefixes.length ? rule.cell_prefixes.map(names.area).join(t('、')) : null,
    [rule.weekdays ? [...rule.weekdays].map((d) => t(WEEKDAYS[d - 1])).join('') : null,
      rule.time_from ? `${rule.time_from.slice(0, 5)}–${rule.time_to.slice(0, 5)}` : null].filter(Boolean).join(' ') || null,
  ].filter(Boolean);
  const target = rule.target_kind === 'cell_unit' ? t('网格责任单位') : names.bureau(rule.bureau_code);
  return `${parts.join(' · ')} → ${target}`;
}

/** The rules in order, each with arrows to move it. Moves are a draft: its effect is shown, then saved at once. */
function ruleList(rules, names, rerender) {
  let order = rules.slice();
  const list = h('ol', { class: 'rule-list', id: 'rule-list' });
  const status = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'rule-order-status' });
  const preview = previewBox('order-preview');
  const save = h('button', { type: 'button', class: 'primary inline', id: 'save-order' }, t('保存顺序'));
  const undo = h('button', { type: 'button', class: 'inline', id: 'undo-order' }, t('撤销调整'));
  const bar = h('div', { class: 'card order-bar', id: 'order-bar', hidden: true },
    h('p', { class: 'warn' }, t('顺序已调整，尚未保存。')), preview.node, h('div', { class: 'inline-buttons' }, save, undo));
  const changed = () => order.some((rule, i) => rule.id !== rules[i].id);

  function draw(focus) {
    list.replaceChildren(...order.map((rule, i) => {
      const move = (step, label, arrow) => h('button', { type: 'button', class: 'move inline', 'data-move': step,
        'aria-label': t(label, { name: rule.name }), disabled: i + step < 0 || i + step >= order.length,
        onclick: () => moveRule(i, step) }, arrow);
      return h('li', { class: 'rule-item', 'data-id': rule.id },
        h('span', { class: 'rule-place', 'aria-hidden': 'true' }, String(i + 1)),
        h('a', { href: `#/admin/rules/${rule.id}`, class: 'rule-body', 'aria-current': location.hash === `#/admin/rules/${rule.id}` ? 'true' : null },
          h('strong', {}, rule.name), rule.is_enabled ? null : h('span', { class: 'mark' }, t('已停用')),
          h('span', { class: 'meta' }, summary(rule, names))),
        h('span', { class: 'rule-moves' }, move(-1, '上移：{name}', '↑'), move(1, '下移：{name}', '↓')));
    }));
    if (focus) { // keep the keyboard where it was: on the moved rule's arrow, or its other one at an end
      const item = list.querySelector(`[data-id="${focus.id}"]`);
      const button = item.querySelector(`[data-move="${focus.step}"]`);
      (button.disabled ? item.querySelector(`[data-move="${-focus.step}"]`) : button).focus();
    }
    bar.hidden = !changed();
    if (changed()) preview.show(order);
  }

  function moveRule(i, step) {
    const rule = order[i];
    order = order.slice();
    order.splice(i, 1);
    order.splice(i + step, 0, rule);
    status.textContent = t('“{name}”移到第 {n} 条', { name: rule.name, n: i + step + 1 });
    draw({ id: rule.id, step });
  }

  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      await api('/api/v1/routing/rules/order', { method: 'PUT', json: { rule_ids: order.map((r) => r.id) } });
      toast(t('顺序已保存'));
      rerender();
    } catch (error) {
      toast(errorText(error), { error: true });
      save.disabled = false;
    }
  });
  undo.addEventListener('click', () => { order = rules.slice(); draw(); });
  draw();
  return h('section', {}, h('h2', {}, t('派遣规则')),
    h('p', { class: 'hint' }, t('按顺序匹配，第一条匹配的规则生效；都不匹配时交类别默认单位，再交网格责任单位，最后转创建办人工派遣。')),
    h('a', { href: '#/admin/rules/new', class: 'button-link', id: 'new-rule' }, `＋ ${t('新建规则')}`),
    rules.length ? list : h('p', { class: 'empty' }, t('尚无派遣规则')), status, bar);
}

/** A box that shows what a proposed list would change; only the latest answer is drawn. */
function previewBox(id) {
  const node = h('div', { class: 'rule-preview', id, 'aria-live': 'polite' });
  let asked = 0;
  async function show(list, lead = '') {
    const mine = ++asked;
    node.replaceChildren(h('p', { class: 'hint' }, t('正在试算…')));
    try {
      const result = await api('/api/v1/routing/rules/preview', { method: 'POST', json: { rules: proposed(list) } });
      if (mine === asked) node.replaceChildren(...(lead ? [h('p', { class: 'warn' }, lead)] : []), previewView(result));
    } catch (error) {
      if (mine === asked) node.replaceChildren(h('p', { class: 'error' }, errorText(error)));
    }
  }
  return { node, show, clear: () => { asked += 1; node.replaceChildren(); } };
}

function previewView(result) {
  const { checked, changed } = result;
  const head = h('p', { class: 'preview-count', role: 'status' }, changed.length
    ? t('最近 {n} 件工单中有 {k} 件将改派：', { n: checked, k: changed.length })
    : t('最近 {n} 件工单的派遣都不会改变。', { n: checked }));
  if (!changed.length) return head;
  const unit = (d) => d.bureau_name || t('转人工分派');
  const why = (d) => (d.source === 'rule' ? t('第 {n} 条规则“{name}”', { n: d.rule_position, name: d.rule_name })
    : t({ category_default: '类别默认单位', cell_unit: '网格责任单位', dispatcher: '无单位可派，转人工分派' }[d.source]));
  return h('div', {}, head, h('ul', { class: 'reroutes', id: 'reroutes' }, ...changed.map((r) => h('li', { class: 'reroute', 'data-ticket': r.ticket_id },
    h('div', {}, h('a', { href: `#/tickets/${r.ticket_id}`, class: 'code' }, r.number), ' · ',
      lang === 'en' ? r.category_name_en : r.category_name, ' · ', r.cell_name || t('不在网格内')),
    h('div', { class: 'reroute-units' }, h('span', { class: 'from' }, unit(r.current)), ' → ', h('strong', { class: 'to' }, unit(r.proposed))),
    h('div', { class: 'meta' }, `${t('将触发')}${t('：')}${why(r.proposed)}`)))));
}

let areaMapShown = null;
window.addEventListener('hashchange', () => { areaMapShown?.remove(); areaMapShown = null; });

/** The grid on a small map, the cells inside the rule's areas filled; `pick` gets a tapped cell's properties.
 * Resolves to a function that repaints for the areas chosen (nothing when the map could not be drawn). */
function drawAreaMap(box, pick) {
  return new Promise((resolve) => requestAnimationFrame(async () => {
    try {
      const minimap = await import('../minimap.js');
      if (!box.isConnected) return resolve(null);
      areaMapShown?.remove();
      const drawn = await minimap.baseMap(box, { grid: false, zoomSnap: 0.25 });
      areaMapShown = drawn.map;
      const cells = minimap.L.geoJSON(drawn.shiftGrid(drawn.grid), {
        onEachFeature: (cell, layer) => {
          layer.bindTooltip(h('span', {}, `${cell.properties.name} ${cell.properties.code}`));
          layer.on('click', () => pick(cell.properties));
        },
      }).addTo(drawn.map);
      if (cells.getLayers().length) drawn.map.fitBounds(cells.getBounds());
      resolve((areas) => cells.eachLayer((layer) => {
        const inside = areas.some((prefix) => layer.feature.properties.code.startsWith(prefix));
        layer.setStyle({ color: inside ? '#0b5cad' : '#666', weight: inside ? 2 : 1, fillOpacity: inside ? 0.35 : 0.03 });
      }));
    } catch (error) {
      mapUnavailable(box, error);
      resolve(null);
    }
  }));
}

function ruleForm(rule, rules, names, { categories, pointTypes, bureaus, grid }, back) {
  const r = rule || { name: '', category_codes: [], point_type_codes: [], cell_prefixes: [], time_from: null,
    time_to: null, weekdays: null, target_kind: 'bureau', bureau_code: null, is_enabled: true, note: '' };
  const others = rules.filter((x) => x.id !== r.id);
  const name = h('input', { id: 'rule-name', type: 'text', required: true, maxLength: 64, value: r.name });
  const checks = (id, legend, items, chosen) => h('fieldset', { id, class: 'pick-box' }, h('legend', {}, t(legend)),
    h('div', { class: 'pick-grid' }, ...items.map((item) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: item.value, checked: chosen.includes(item.value) }), item.label))));
  const categoryBox = checks('rule-categories', '问题类别（不选为全部）', categories
    .filter((c) => c.is_active || r.category_codes.includes(c.code))
    .map((c) => ({ value: c.code, label: `${names.category(c.code)} ${c.code}` })), r.category_codes);
  const typeBox = checks('rule-point-types', '点位类型（不选为全部）', pointTypes
    .map((p) => ({ value: p.code, label: names.pointType(p.code) })), r.point_type_codes);
  const weekdayBox = checks('rule-weekdays', '星期（不选为每天）', WEEKDAYS
    .map((d, i) => ({ value: String(i + 1), label: t(d) })), [...(r.weekdays || '')]);
  weekdayBox.classList.add('weekday-box');

  // Areas: streets, communities and cells of the grid, by name; a rule matches a cell whose code starts with one.
  let areas = r.cell_prefixes.slice();
  const levels = [['street_code', '街道/乡镇'], ['community_code', '社区/村'], ['code', '网格']];
  const areaSelect = h('select', { id: 'rule-area' }, h('option', { value: '' }, t('请选择')),
    ...levels.map(([field, label]) => h('optgroup', { label: t(label) },
      ...[...new Set((grid.features || []).map((f) => f.properties[field]))].sort()
        .map((code) => h('option', { value: code }, `${names.area(code)} ${code}`)))));
  const areaList = h('ul', { class: 'area-chips', id: 'rule-areas' });
  // …or on the map: a tap on a cell adds the street, community or cell it lies in, at the level chosen.
  const level = h('select', { id: 'rule-area-level', 'aria-label': t('点选地图时添加') },
    ...levels.map(([field, label]) => h('option', { value: field, selected: field === 'code' }, t(label))));
  const areaMap = h('div', { id: 'rule-area-map', class: 'map rule-area-map', role: 'application', 'aria-label': t('区域地图') });
  const mapped = drawAreaMap(areaMap, (cell) => {
    const code = cell[level.value];
    if (code && !areas.includes(code)) { areas.push(code); drawAreas(); changed(); }
  });
  const drawAreas = () => {
    areaList.replaceChildren(...areas.map((code) => h('li', { class: 'chip' }, `${names.area(code)} `,
      h('button', { type: 'button', class: 'remove', 'aria-label': t('移除区域：{name}', { name: names.area(code) }),
        onclick: () => { areas = areas.filter((a) => a !== code); drawAreas(); changed(); } }, '×'))));
    mapped.then((paint) => paint?.(areas));
  };
  const addArea = h('button', { type: 'button', class: 'inline', id: 'add-area', onclick: () => {
    if (areaSelect.value && !areas.includes(areaSelect.value)) areas.push(areaSelect.value);
    areaSelect.value = '';
    drawAreas();
    changed();
  } }, t('添加区域'));
  drawAreas();

  const from = h('input', { id: 'rule-from', type: 'time', value: r.time_from?.slice(0, 5) || '' });
  const to = h('input', { id: 'rule-to', type: 'time', value: r.time_to?.slice(0, 5) || '' });
  const target = h('select', { id: 'rule-target', required: true }, h('option', { value: '' }, t('请选择')),
    h('option', { value: CELL_UNIT, selected: r.target_kind === 'cell_unit' }, t('（所在网格的责任单位）')),
    ...bureaus.filter((b) => b.is_active || b.code === r.bureau_code).map((b) =>
      h('option', { value: b.code, selected: r.target_kind === 'bureau' && b.code === r.bureau_code }, names.bureau(b.code))));
  const position = h('select', { id: 'rule-position' }, ...Array.from({ length: others.length + 1 }, (_, i) =>
    h('option', { value: String(i + 1), selected: i + 1 === (rule ? rule.position : others.length + 1) }, t('第 {n} 条', { n: i + 1 }))));
  const enabled = h('input', { id: 'rule-enabled', type: 'checkbox', checked: r.is_enabled });
  const note = h('input', { id: 'rule-note', type: 'text', maxLength: 256, value: r.note || '' });
  const general = h('div', { 'aria-live': 'polite' });
  const preview = previewBox('rule-preview');
  const field = (node, label, hint) => h('div', { class: 'field' }, h('label', { for: node.id }, t(label)), node,
    hint ? h('p', { class: 'hint' }, t(hint)) : null);
  const picked = (box) => [...box.querySelectorAll('input:checked')].map((input) => input.value);

  /** The rule as the form has it. */
  const current = () => {
    const days = picked(weekdayBox);
    return { id: rule?.id ?? null, name: name.value.trim(), category_codes: picked(categoryBox),
      point_type_codes: picked(typeBox), cell_prefixes: areas.slice(), time_from: from.value || null,
      time_to: to.value || null, weekdays: days.length && days.length < 7 ? days.join('') : null,
      target_kind: target.value === CELL_UNIT ? 'cell_unit' : 'bureau',
      bureau_code: target.value && target.value !== CELL_UNIT ? target.value : null, is_enabled: enabled.checked,
      note: note.value.trim() };
  };
  const withForm = () => {
    const list = others.slice();
    list.splice(Number(position.value) - 1, 0, current());
    return list;
  };
  let timer = null;
  function changed() {
    clearTimeout(timer);
    confirmRemove.hidden = true; // a delete is confirmed only right after its own preview
    if (!target.value) {
      preview.clear();
      preview.node.append(h('p', { class: 'hint' }, t('选择派往单位后，这里列出会改派的工单。')));
      return;
    }
    timer = setTimeout(() => preview.show(withForm()), PREVIEW_DELAY_MS);
  }

  const remove = rule ? h('button', { type: 'button', class: 'danger', id: 'delete-rule' }, t('删除规则')) : null;
  const confirmRemove = h('button', { type: 'button', class: 'danger', id: 'confirm-delete', hidden: true }, t('确认删除'));
  const form = h('form', { class: 'card rule-form', id: 'rule-form', novalidate: true },
    field(name, '规则名称'), categoryBox, typeBox,
    h('div', { class: 'field' }, h('label', { for: areaSelect.id }, t('区域（不选为全县）')),
      h('div', { class: 'area-pick' }, areaSelect, addArea), areaList,
      h('div', { class: 'area-map-level' }, h('span', { class: 'hint' }, t('或在地图上点选：')), level), areaMap),
    h('div', { class: 'pair' }, field(from, '起始时间'), field(to, '结束时间')),
    h('p', { class: 'hint' }, t('留空为全天；可跨午夜，如 18:00 至 02:00。')), weekdayBox,
    field(target, '派往'), field(position, '顺序', '第一条匹配的规则生效'),
    h('label', { class: 'check', for: enabled.id }, enabled, t('启用')), field(note, '说明'),
    h('h3', {}, t('对最近工单的影响')), preview.node,
    general, h('button', { type: 'submit', class: 'primary' }, t(rule ? '保存' : '新建规则')), remove, confirmRemove);
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    clearErrors(form, general);
    const { id, ...body } = current();
    try {
      const saved = await api(rule ? `/api/v1/routing/rules/${id}` : '/api/v1/routing/rules', {
        method: rule ? 'PUT' : 'POST', json: { ...body, position: Number(position.value) } });
      toast(`${t('已保存')} · ${saved.name}`);
      location.hash = '#/admin/rules';
    } catch (error) {
      showErrors(form, general, error, IDS);
    } finally {
      button.disabled = false;
    }
  });
  remove?.addEventListener('click', () => {
    clearTimeout(timer);
    confirmRemove.hidden = false;
    preview.show(others, t('删除“{name}”之后：', { name: rule.name }));
    confirmRemove.focus();
  });
  confirmRemove.addEventListener('click', async () => {
    confirmRemove.disabled = true;
    try {
      await api(`/api/v1/routing/rules/${rule.id}`, { method: 'DELETE' });
      toast(`${t('已删除')} · ${rule.name}`);
      location.hash = '#/admin/rules';
    } catch (error) {
      toast(errorText(error), { error: true });
      confirmRemove.disabled = false;
    }
  });
  changed();
  return h('section', {}, back, h('h2', {}, rule ? rule.name : t('新建规则')), form);
}
