// 系统管理 · 类别: the problem categories (name, family, default unit, deadline in working hours or days,
// active) in the order the inspector's capture list shows them, and the point types, created and edited through
// the same endpoints as the county document.
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { split } from './parts.js';
import { clearErrors, showErrors } from './admin-parts.js';

const UNITS = [['wh', '工作小时'], ['wd', '工作日']];
const CATEGORY_IDS = { code: 'cat-code', name: 'cat-name', name_en: 'cat-name-en', family: 'cat-family', pinyin: 'cat-pinyin',
                       default_bureau_code: 'cat-bureau', deadline_value: 'cat-deadline', deadline_unit: 'cat-unit' };
const TYPE_IDS = { code: 'pt-code', name: 'pt-name', name_en: 'pt-name-en' };

export async function render({ params, rerender }) {
  let categories;
  let pointTypes;
  let bureaus;
  try {
    [categories, pointTypes, bureaus] = await Promise.all([api('/api/v1/categories?include_inactive=true'),
      api('/api/v1/point-types'), api('/api/v1/bureaus')]);
  } catch (error) {
    return h('p', { class: 'error', role: 'alert' }, errorText(error));
  }
  const [kind, key] = params;
  const shownName = (item) => (lang === 'en' && item.name_en ? item.name_en : item.name);
  const families = [...new Set(categories.map((c) => c.family))];
  const link = (href, current, ...children) => h('li', {}, h('a', { href, 'aria-current': current ? 'true' : null }, ...children));
  const list = h('section', {}, h('h2', {}, t('问题类别')),
    h('p', { class: 'hint' }, t('网格员拍照上报时按这个顺序列出类别；本人和本网格常报的类别排在最前。')),
    h('a', { href: '#/admin/catalog/category/new', class: 'button-link', id: 'new-category' }, `＋ ${t('新建类别')}`),
    categoryOrder(categories, (c) => [h('strong', {}, shownName(c)), ' ', h('span', { class: 'code' }, c.code),
      c.is_active ? null : h('span', { class: 'mark' }, t('已停用')),
      h('div', { class: 'meta' }, `${c.family} · ${t('处置时限')}${t('：')}${c.deadline_value} ${t(c.deadline_unit === 'wd' ? '工作日' : '工作小时')}`)],
    (c) => kind === 'category' && key === c.code, rerender),
    h('h2', {}, t('点位类型')),
    h('a', { href: '#/admin/catalog/type/new', class: 'button-link', id: 'new-point-type' }, `＋ ${t('新建点位类型')}`),
    h('ul', { class: 'tickets catalog-list' }, ...pointTypes.map((p) => link(`#/admin/catalog/type/${p.code}`, kind === 'type' && key === p.code,
      h('strong', {}, shownName(p)), ' ', h('span', { class: 'code' }, p.code)))));
  let detail = null;
  if (key) {
    const back = h('a', { href: '#/admin/catalog', class: 'back' }, `‹ ${t('返回')}`);
    const saved = (path) => { if (location.hash === path) rerender(); else location.hash = path; };
    const item = key === 'new' ? null : (kind === 'category' ? categories : pointTypes).find((c) => c.code === key);
    detail = key !== 'new' && !item ? h('section', {}, back, h('p', { class: 'error', role: 'alert' }, t('不存在')))
      : kind === 'category' ? categoryForm(item, bureaus, families, back, saved) : pointTypeForm(item, back, saved);
  }
  return split(list, detail, t('选择一个类别或点位类型，或新建'));
}

/** The categories in the inspector's order, each with arrows that move it and save the order at once. */
function categoryOrder(categories, content, current, reload) {
  let order = categories.slice();
  const list = h('ol', { class: 'tickets catalog-list category-order', id: 'category-order' });
  const status = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'category-order-status' });
  const draw = (focus) => {
    list.replaceChildren(...order.map((c, i) => {
      const move = (step, label, arrow) => h('button', { type: 'button', class: 'move inline', 'data-move': step,
        'aria-label': t(label, { name: c.name }), disabled: i + step < 0 || i + step >= order.length,
        onclick: () => moveCategory(i, step) }, arrow);
      return h('li', { class: 'ordered', 'data-code': c.code },
        h('a', { href: `#/admin/catalog/category/${c.code}`, 'aria-current': current(c) ? 'true' : null }, ...content(c)),
        h('span', { class: 'rule-moves' }, move(-1, '上移：{name}', '↑'), move(1, '下移：{name}', '↓')));
    }));
    if (focus) { // keep the keyboard on the moved category's arrow, or its other one at an end
      const item = list.querySelector(`[data-code="${focus.code}"]`);
      const button = item.querySelector(`[data-move="${focus.step}"]`);
      (button.disabled ? item.querySelector(`[data-move="${-focus.step}"]`) : button).focus();
    }
  };
  // Saved one after another, so the last move's order is the one that stays.
  let saving = Promise.resolve();
  function moveCategory(i, step) {
    const category = order[i];
    order = order.slice();
    order.splice(i, 1);
    order.splice(i + step, 0, category);
    draw({ code: category.code, step });
    const codes = order.map((c) => c.code);
    saving = saving.then(() => api('/api/v1/categories/order', { method: 'PUT', json: { codes } })).then(
      () => { status.textContent = t('“{name}”移到第 {n} 位', { name: category.name, n: i + step + 1 }); },
      (error) => { toast(errorText(error), { error: true }); reload(); });
  }
  draw();
  return [list, status];
}

const field = (node, label, hint) => h('div', { class: 'field' }, h('label', { for: node.id }, t(label)), node,
  hint ? h('p', { class: 'hint' }, t(hint)) : null);

/** Save through PUT (create or replace by code), the server's refusal at its field. */
function saving(form, general, ids, path, body, saved) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    clearErrors(form, general);
    const data = body();
    try {
      const result = await api(`${path}/${encodeURIComponent(data.code)}`, { method: 'PUT', json: data });
      toast(`${t('已保存')} · ${result.name}`);
      saved(result.code);
    } catch (error) {
      showErrors(form, general, error, ids);
    } finally {
      button.disabled = false;
    }
  });
}

function categoryForm(category, bureaus, families, back, saved) {
  const c = category || { deadline_unit: 'wh', is_active: true };
  const input = (key, attrs) => h('input', { id: CATEGORY_IDS[key], type: 'text', value: c[key] ?? '', ...attrs });
  const code = input('code', { required: true, pattern: '[0-9]{4}', inputMode: 'numeric', disabled: Boolean(category) });
  const name = input('name', { required: true, maxLength: 32 });
  const nameEn = input('name_en', { required: true, maxLength: 64 });
  const family = input('family', { required: true, maxLength: 16, list: 'cat-families' });
  const pinyin = input('pinyin', { maxLength: 32 });
  const bureau = h('select', { id: CATEGORY_IDS.default_bureau_code }, h('option', { value: '' }, t('（按网格责任单位）')),
    ...bureaus.filter((b) => b.is_active || b.code === c.default_bureau_code).map((b) =>
      h('option', { value: b.code, selected: b.code === c.default_bureau_code }, lang === 'en' && b.name_en ? b.name_en : b.name)));
  const deadline = input('deadline_value', { type: 'number', min: 1, step: 1, required: true, inputMode: 'numeric' });
  const unit = h('select', { id: CATEGORY_IDS.deadline_unit }, ...UNITS.map(([value, label]) => h('option', { value, selected: value === c.deadline_unit }, t(label))));
  const active = h('input', { id: 'cat-active', type: 'checkbox', checked: c.is_active });
  const general = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card category-form', id: 'category-form', novalidate: true },
    field(code, '类别编码', category ? null : '四位数字，创建后不能修改'), field(name, '名称'), field(nameEn, '英文名称'),
    field(family, '大类'), h('datalist', { id: 'cat-families' }, ...families.map((f) => h('option', { value: f }))),
    field(pinyin, '拼音首字母', '如“人行道乱停车”写 rxdltc，网格员可按首字母搜索'), field(bureau, '默认单位'),
    h('div', { class: 'pair' }, field(deadline, '处置时限'), field(unit, '时限单位')),
    h('label', { class: 'check', for: active.id }, active, t('启用')),
    general, h('button', { type: 'submit', class: 'primary' }, t(category ? '保存' : '新建类别')));
  saving(form, general, CATEGORY_IDS, '/api/v1/categories', () => ({
    code: category ? category.code : code.value.trim(), name: name.value.trim(), name_en: nameEn.value.trim(),
    family: family.value.trim(), pinyin: pinyin.value.trim(), default_bureau_code: bureau.value || null,
    deadline_value: Number(deadline.value) || 0, deadline_unit: unit.value, is_active: active.checked,
  }), (savedCode) => saved(`#/admin/catalog/category/${savedCode}`));
  return h('section', {}, back, h('h2', {}, category ? category.name : t('新建类别')), form);
}

function pointTypeForm(pointType, back, saved) {
  const p = pointType || {};
  const input = (key, attrs) => h('input', { id: TYPE_IDS[key], type: 'text', value: p[key] ?? '', ...attrs });
  const code = input('code', { required: true, maxLength: 32, disabled: Boolean(pointType) });
  const name = input('name', { required: true, maxLength: 32 });
  const nameEn = input('name_en', { required: true, maxLength: 64 });
  const general = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card point-type-form', id: 'point-type-form', novalidate: true },
    field(code, '类型编码', pointType ? null : '小写字母、数字和 _，创建后不能修改'), field(name, '名称'), field(nameEn, '英文名称'),
    general, h('button', { type: 'submit', class: 'primary' }, t(pointType ? '保存' : '新建点位类型')));
  saving(form, general, TYPE_IDS, '/api/v1/point-types', () => ({
    code: pointType ? pointType.code : code.value.trim(), name: name.value.trim(), name_en: nameEn.value.trim(),
  }), (savedCode) => saved(`#/admin/catalog/type/${savedCode}`));
  return h('section', {}, back, h('h2', {}, pointType ? pointType.name : t('新建点位类型')), form);
}
