// 系统管理 · 随手拍设置: which categories the public may report under (public names, order), who reviews and the
// hourly limits, what Open311 lists, and the keys other systems post Open311 requests with (docs/citizens.md,
// docs/open311.md).
import { api } from '../api.js';
import { h, toast, formatTime } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { clearErrors, showErrors } from './admin-parts.js';

const REVIEWERS = [['dispatcher', '创建办'], ['supervisor', '督察组'], ['ledger', '台账组'], ['leader', '领导小组']];
const SOURCES = [['citizen', '市民上报（含审核中）'], ['inspection', '网格员巡查'], ['supervision', '督察']];
const SETTING_IDS = { reviewer_role: 'cs-reviewer', per_device_hourly: 'cs-device', per_address_hourly: 'cs-address',
                      open311_sources: 'cs-source-citizen', location_decimals: 'cs-decimals', jurisdiction_id: 'cs-jurisdiction' };
const KEY_IDS = { system: 'key-system', hourly_limit: 'key-limit' };

export async function render({ rerender }) {
  let categories;
  let listed;
  let settings;
  let keys;
  try {
    [categories, listed, settings, keys] = await Promise.all([api('/api/v1/categories?include_inactive=true'),
      api('/api/v1/public-categories'), api('/api/v1/citizen-settings'), api('/api/v1/open311/keys')]);
  } catch (error) {
    return h('p', { class: 'error', role: 'alert' }, errorText(error));
  }
  return h('div', { class: 'public-admin' }, await openness(), publicList(categories, listed.categories),
    h('div', { class: 'public-side' }, settingsForm(settings), keyPanel(keys, rerender)));
}

/** Whether the public page takes reports (an environment setting: the public list answers 503 when closed). */
async function openness() {
  let open = true;
  try {
    await api('/api/v1/public/categories');
  } catch (error) {
    if (error.code !== 'public_reports_closed') return null; // unknown: say nothing rather than guess
    open = false;
  }
  const page = new URL('/report/', location.origin).href;
  return h('section', { class: 'card public-status', id: 'public-status' },
    h('p', { class: open ? 'queued' : 'warn' }, t(open ? '随手拍正在受理' : '随手拍已暂停受理（由服务器环境变量 GRIDPATROL_PUBLIC_REPORTS_OPEN 设置）')),
    h('p', {}, `${t('公众页面')}${t('：')}`, h('a', { href: page, target: '_blank', rel: 'noopener', id: 'public-page-link' }, page)));
}

/** Every category with a switch and its public names; the public ones first, in the order the page shows. */
function publicList(categories, listed) {
  const byCode = new Map(listed.map((p) => [p.category_code, p]));
  const row = (c) => {
    const p = byCode.get(c.code);
    return { code: c.code, name: c.name, active: c.is_active, on: Boolean(p),
             zh: p ? p.public_name : c.name, en: p ? p.public_name_en : (c.name_en || '') };
  };
  let rows = [...listed.map((p) => categories.find((c) => c.code === p.category_code)).filter(Boolean),
    ...categories.filter((c) => !byCode.has(c.code))].map(row);
  const list = h('ol', { class: 'tickets public-order', id: 'public-order' });
  const status = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const general = h('div', { 'aria-live': 'polite' });
  const draw = (focus) => {
    list.replaceChildren(...rows.map((r, i) => {
      const move = (step, label, arrow) => h('button', { type: 'button', class: 'move inline', 'data-move': step,
        'aria-label': t(label, { name: r.name }), disabled: i + step < 0 || i + step >= rows.length,
        onclick: () => moveRow(i, step) }, arrow);
      const on = h('input', { type: 'checkbox', id: `pub-on-${r.code}`, checked: r.on,
        onchange: () => { r.on = on.checked; item.classList.toggle('off', !r.on); } });
      const zh = h('input', { type: 'text', id: `pub-name-${r.code}`, value: r.zh, maxLength: 32,
        'aria-label': t('公开名称：{name}', { name: r.name }), oninput: () => { r.zh = zh.value; } });
      const en = h('input', { type: 'text', id: `pub-name-en-${r.code}`, value: r.en, maxLength: 64, lang: 'en',
        'aria-label': t('英文公开名称：{name}', { name: r.name }), oninput: () => { r.en = en.value; } });
      const item = h('li', { class: r.on ? 'ordered' : 'ordered off', 'data-code': r.code },
        h('label', { class: 'check', for: on.id }, on, h('strong', {}, r.name), ' ', h('span', { class: 'code' }, r.code),
          r.active ? null : h('span', { class: 'mark' }, t('已停用'))),
        h('span', { class: 'public-names' }, zh, en),
        h('span', { class: 'rule-moves' }, move(-1, '上移：{name}', '↑'), move(1, '下移：{name}', '↓')));
      return item;
    }));
    if (focus) { // keep the keyboard on the moved row's arrow, or its other one at an end
      const item = list.querySelector(`[data-code="${focus.code}"]`);
      const button = item.querySelector(`[data-move="${focus.step}"]`);
      (button.disabled ? item.querySelector(`[data-move="${-focus.step}"]`) : button).focus();
    }
  };
  function moveRow(i, step) {
    const moved = rows[i];
    rows = rows.slice();
    rows.splice(i, 1);
    rows.splice(i + step, 0, moved);
    draw({ code: moved.code, step });
    status.textContent = t('“{name}”移到第 {n} 位', { name: moved.name, n: i + step + 1 });
  }
  const form = h('form', { class: 'card', id: 'public-categories-form', novalidate: true },
    h('p', { class: 'hint' }, t('勾选公众可以上报的类别，填写公众看到的名称；公众页面按这个顺序列出（只看勾选的）。')),
    list, status, general, h('button', { type: 'submit', class: 'primary' }, t('保存公开类别')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    clearErrors(form, general);
    const chosen = rows.filter((r) => r.on);
    const blank = chosen.find((r) => !r.zh.trim() || !r.en.trim());
    if (blank) {
      general.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('请填写“{name}”的中英文公开名称', { name: blank.name })));
      list.querySelector(`#${blank.zh.trim() ? 'pub-name-en' : 'pub-name'}-${blank.code}`).focus();
      return;
    }
    button.disabled = true;
    try {
      const saved = await api('/api/v1/public-categories', { method: 'PUT', json: { categories: chosen.map((r) =>
        ({ category_code: r.code, public_name: r.zh.trim(), public_name_en: r.en.trim() })) } });
      toast(`${t('已保存')} · ${t('公开类别 {n} 个', { n: saved.categories.length })}`);
    } catch (error) {
      showErrors(form, general, error, {});
    } finally {
      button.disabled = false;
    }
  });
  draw();
  return h('section', { id: 'public-categories' }, h('h2', {}, t('公开类别')), form);
}

const field = (node, label, hint) => h('div', { class: 'field' }, h('label', { for: node.id }, t(label)), node,
  hint ? h('p', { class: 'hint' }, t(hint)) : null);

function settingsForm(s) {
  const number = (key, min, max) => h('input', { id: SETTING_IDS[key], type: 'number', min, max, step: 1, required: true,
    inputMode: 'numeric', value: String(s[key]) });
  const reviewer = h('select', { id: SETTING_IDS.reviewer_role },
    ...REVIEWERS.map(([value, label]) => h('option', { value, selected: value === s.reviewer_role }, t(label))));
  const device = number('per_device_hourly', 1, 1000);
  const address = number('per_address_hourly', 1, 10000);
  const decimals = number('location_decimals', 0, 6);
  const jurisdiction = h('input', { id: SETTING_IDS.jurisdiction_id, type: 'text', maxLength: 64, value: s.jurisdiction_id ?? '' });
  const sources = SOURCES.map(([value, label]) => {
    const box = h('input', { type: 'checkbox', id: `cs-source-${value}`, value, checked: s.open311_sources.includes(value) });
    return h('label', { class: 'check', for: box.id }, box, t(label));
  });
  const general = h('div', { 'aria-live': 'polite' });
  const updated = h('p', { class: 'hint', id: 'cs-updated' });
  const showUpdated = (v) => { updated.textContent = v.updated_at ? `${t('上次修改')}${t('：')}${formatTime(v.updated_at)} · ${v.updated_by}` : ''; };
  showUpdated(s);
  const form = h('form', { class: 'card citizen-settings', id: 'citizen-settings-form', novalidate: true },
    field(reviewer, '审核角色', '系统管理员始终可以审核'),
    h('div', { class: 'pair' }, field(device, '每台设备每小时上限'), field(address, '每个网络地址每小时上限')),
    h('p', { class: 'hint' }, t('同一小区可能共用一个网络地址，地址上限宜大于设备上限。')),
    h('fieldset', { class: 'sources' }, h('legend', {}, t('Open311 列出的工单来源')), ...sources),
    h('div', { class: 'pair' }, field(decimals, '位置保留小数位', '3 位约 100 米'),
      field(jurisdiction, 'jurisdiction_id', '留空则不核对')),
    general, updated, h('button', { type: 'submit', class: 'primary' }, t('保存设置')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    clearErrors(form, general);
    const whole = (node) => (node.value.trim() === '' ? null : Number(node.value));
    try {
      const saved = await api('/api/v1/citizen-settings', { method: 'PUT', json: {
        reviewer_role: reviewer.value, per_device_hourly: whole(device), per_address_hourly: whole(address),
        open311_sources: sources.map((l) => l.querySelector('input')).filter((b) => b.checked).map((b) => b.value),
        location_decimals: whole(decimals), jurisdiction_id: jurisdiction.value.trim() || null } });
      showUpdated(saved);
      toast(t('已保存'));
    } catch (error) {
      showErrors(form, general, error, SETTING_IDS);
    } finally {
      button.disabled = false;
    }
  });
  return h('section', { id: 'citizen-settings' }, h('h2', {}, t('审核与限流')), form);
}

function keyPanel(keys, rerender) {
  const system = h('input', { id: KEY_IDS.system, type: 'text', required: true, maxLength: 64, placeholder: t('如“12345 热线平台”') });
  const limit = h('input', { id: KEY_IDS.hourly_limit, type: 'number', min: 1, max: 100000, step: 1, value: '100', inputMode: 'numeric' });
  const general = h('div', { 'aria-live': 'polite' });
  const issued = h('div', { id: 'key-issued', 'aria-live': 'polite' });
  const form = h('form', { class: 'card key-form', id: 'key-form', novalidate: true },
    h('div', { class: 'pair' }, field(system, '使用系统'), field(limit, '每小时请求上限')),
    general, h('button', { type: 'submit', class: 'primary' }, t('签发密钥')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    clearErrors(form, general);
    try {
      const key = await api('/api/v1/open311/keys', { method: 'POST',
        json: { system: system.value.trim(), hourly_limit: Number(limit.value) || 0 } });
      system.value = '';
      issued.replaceChildren(shownOnce(key));
      table.replaceWith(table = keyTable([key, ...keys.filter((k) => k.id !== key.id)], rerender));
      keys = [key, ...keys];
    } catch (error) {
      showErrors(form, general, error, KEY_IDS);
    } finally {
      button.disabled = false;
    }
  });
  let table = keyTable(keys, rerender);
  return h('section', { id: 'open311-keys' }, h('h2', {}, t('Open311 接口密钥')),
    h('p', { class: 'hint' }, t('其他系统（如 12345 热线）用密钥通过 Open311 提交诉求；查询无需密钥。')), form, issued, table);
}

// The key lives only in the answer to its issue: copied from here, never shown again.
function shownOnce(key) {
  const secret = h('p', { class: 'secret', id: 'issued-key' }, key.api_key);
  const copy = h('button', { type: 'button', class: 'inline', id: 'copy-key', onclick: async () => {
    try {
      await navigator.clipboard.writeText(key.api_key);
      toast(t('已复制'));
    } catch {
      getSelection().selectAllChildren(secret); // no clipboard (an insecure page): selected for the keyboard's copy
      toast(t('复制失败，已选中密钥，请手动复制'), { error: true });
    }
  } }, t('复制'));
  return h('div', { class: 'queued once' },
    h('p', {}, `${t('新密钥')} · ${key.system}`), secret, copy,
    h('p', { class: 'warn' }, t('密钥只显示这一次，离开本页后无法再取回：请现在复制并交给对方系统。')));
}

function keyTable(keys, rerender) {
  if (!keys.length) return h('p', { class: 'hint', id: 'key-table' }, t('还没有签发密钥'));
  const revoke = (k) => h('button', { type: 'button', class: 'danger inline', 'data-revoke': k.id, onclick: async (event) => {
    if (!confirm(t('吊销后“{system}”用这个密钥提交的请求将被拒绝。确定吊销吗？', { system: k.system }))) return;
    event.target.disabled = true;
    try {
      await api(`/api/v1/open311/keys/${k.id}/revoke`, { method: 'POST' });
      toast(`${t('已吊销')} · ${k.system}`);
      rerender();
    } catch (error) {
      event.target.disabled = false;
      toast(errorText(error), { error: true });
    }
  } }, t('吊销'));
  return h('div', { class: 'table-scroll', id: 'key-table' }, h('table', { class: 'by-bureau keys' },
    h('thead', {}, h('tr', {}, ...['使用系统', '前缀', '每小时上限', '签发', '状态', ''].map((c) => h('th', { scope: 'col' }, c ? t(c) : '')))),
    h('tbody', {}, ...keys.map((k) => h('tr', { 'data-key': k.id, class: k.revoked_at ? 'revoked' : null },
      h('th', { scope: 'row' }, k.system), h('td', { class: 'code' }, `${k.prefix}…`), h('td', {}, t('{n} 次/小时', { n: k.hourly_limit })),
      h('td', {}, `${formatTime(k.created_at)} · ${k.created_by}`),
      h('td', {}, k.revoked_at ? `${t('已吊销')} ${formatTime(k.revoked_at)}` : t('有效')),
      h('td', {}, k.revoked_at ? null : revoke(k)))))));
}
