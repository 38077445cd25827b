// 系统管理 · 账号: the accounts with search and a role filter; create and edit one (role, unit, cells, phone,
// active), reset its password (shown once), sign a lost phone out; import many from a spreadsheet, all or
// nothing, with the bad rows listed and the new accounts' initial passwords saved once as a CSV.
import { api, fileBlob } from '../api.js';
import { h, toast } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { importFormat } from '../points.js';
import { split } from './parts.js';
import { clearErrors, csvBlob, saveFile, showErrors } from './admin-parts.js';

const ROLES = [['inspector', '网格员'], ['bureau', '责任单位联络员'], ['dispatcher', '创建办'], ['supervisor', '督察组'],
               ['ledger', '台账组'], ['leader', '领导小组'], ['admin', '系统管理员']];
const ROLE_NAMES = Object.fromEntries(ROLES);
const IDS = { username: 'acct-username', display_name: 'acct-name', role: 'acct-role', bureau_code: 'acct-bureau',
              cell_codes: 'acct-cells', phone: 'acct-phone', password: 'acct-password', is_active: 'acct-active' };
// The filters outlive a re-render (saving, opening an account) while the page is open.
const filters = { q: '', role: '' };

export async function render({ params, rerender }) {
  let users;
  let bureaus;
  let cells;
  try {
    [users, bureaus, cells] = await Promise.all([api('/api/v1/users'), api('/api/v1/bureaus'),
      api('/api/v1/grid/cells').then((grid) => grid.features.map((f) => f.properties))]);
  } catch (error) {
    return h('p', { class: 'error', role: 'alert' }, errorText(error));
  }
  const listBox = h('div', { id: 'account-list-box' });
  const shownCount = h('p', { class: 'hint', role: 'status' });
  const draw = () => {
    const q = filters.q.trim().toLowerCase();
    const shown = users.filter((u) => (!filters.role || u.role === filters.role)
      && (!q || [u.username, u.display_name, u.phone, u.bureau?.name].some((v) => v && v.toLowerCase().includes(q))));
    shownCount.textContent = `${t('共')} ${shown.length} / ${users.length}`;
    listBox.replaceChildren(shown.length ? h('ul', { class: 'tickets', id: 'account-list' }, ...shown.map((u) => h('li', {},
      h('a', { href: `#/admin/accounts/${u.id}`, 'aria-current': String(u.id) === params[0] ? 'true' : null },
        h('strong', {}, u.display_name), ' ', h('span', { class: 'code' }, u.username), ' ',
        h('span', { class: 'status' }, t(ROLE_NAMES[u.role])), u.is_active ? null : h('span', { class: 'mark' }, t('已停用')),
        h('div', { class: 'meta' }, [u.bureau?.name, u.role === 'inspector' && u.cells.length ? t('{n} 个网格', { n: u.cells.length }) : null, u.phone]
          .filter(Boolean).join(' · '))))))
      : h('p', { class: 'empty' }, t('没有匹配的账号')));
  };
  draw();
  const reload = async () => { users = await api('/api/v1/users'); draw(); };

  const search = h('input', { id: 'acct-search', type: 'search', value: filters.q, placeholder: t('用户名、姓名或电话'),
                              oninput: () => { filters.q = search.value; draw(); } });
  const role = h('select', { id: 'acct-filter-role', onchange: () => { filters.role = role.value; draw(); } },
    h('option', { value: '' }, t('全部')), ...ROLES.map(([value, label]) => h('option', { value, selected: filters.role === value }, t(label))));
  const list = h('section', { class: 'accounts' }, h('h2', {}, t('账号管理')),
    h('a', { href: '#/admin/accounts/new', class: 'button-link', id: 'new-account' }, `＋ ${t('新建账号')}`),
    importBox(reload),
    h('form', { class: 'account-filters', role: 'search', onsubmit: (event) => event.preventDefault() },
      h('div', {}, h('label', { for: search.id }, t('搜索')), search), h('div', {}, h('label', { for: role.id }, t('角色')), role)),
    shownCount, listBox);

  let detail = null;
  if (params[0]) {
    const user = params[0] === 'new' ? null : users.find((u) => String(u.id) === params[0]);
    const back = h('a', { href: '#/admin/accounts', class: 'back' }, `‹ ${t('返回')}`);
    detail = params[0] !== 'new' && !user
      ? h('section', {}, back, h('p', { class: 'error', role: 'alert' }, t('账号不存在')))
      : accountForm(user, { bureaus, cells, back, saved: async (id) => {
        if (location.hash === `#/admin/accounts/${id}`) rerender(); else location.hash = `#/admin/accounts/${id}`;
      } });
  }
  return split(list, detail, t('选择一个账号，或新建账号'));
}

function randomPassword() {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(crypto.getRandomValues(new Uint32Array(12)), (n) => alphabet[n % alphabet.length]).join('');
}

/** Create (user null) or edit an account. */
function accountForm(user, { bureaus, cells, back, saved }) {
  const u = user || { role: 'inspector', is_active: true, cells: [] };
  const field = (node, label, hint) => h('div', { class: 'field' }, h('label', { for: node.id }, t(label)), node,
    hint ? h('p', { class: 'hint' }, t(hint)) : null);
  const username = h('input', { id: IDS.username, type: 'text', required: true, maxLength: 64, autocomplete: 'off',
                                value: u.username || '', disabled: Boolean(user) });
  const name = h('input', { id: IDS.display_name, type: 'text', maxLength: 64, value: u.display_name || '' });
  const role = h('select', { id: IDS.role }, ...ROLES.map(([value, label]) => h('option', { value, selected: value === u.role }, t(label))));
  const bureau = h('select', { id: IDS.bureau_code }, h('option', { value: '' }, t('请选择')),
    ...bureaus.filter((b) => b.is_active || b.code === u.bureau?.code).map((b) => h('option', { value: b.code, selected: b.code === u.bureau?.code },
      lang === 'en' && b.name_en ? b.name_en : b.name)));
  const mine = new Set(u.role === 'inspector' ? u.cells.map((c) => c.code) : []);
  const cellPick = h('select', { id: IDS.cell_codes, multiple: true, size: Math.min(8, Math.max(3, cells.length)) },
    ...cells.map((c) => h('option', { value: c.code, selected: mine.has(c.code) }, `${c.name} · ${c.code}`)));
  const phone = h('input', { id: IDS.phone, type: 'tel', maxLength: 32, value: u.phone || '' });
  const password = user ? null : h('input', { id: IDS.password, type: 'text', required: true, minLength: 8, maxLength: 128,
                                                autocomplete: 'off', value: randomPassword() });
  const active = h('input', { id: 'acct-active', type: 'checkbox', checked: u.is_active });
  const bureauField = field(bureau, '所属单位');
  const cellsField = field(cellPick, '负责网格', '按住 Ctrl 或 Shift 可多选');
  const follow = () => {
    bureauField.hidden = role.value !== 'bureau';
    cellsField.hidden = role.value !== 'inspector';
  };
  role.addEventListener('change', follow);
  follow();
  const general = h('div', { id: 'acct-errors', 'aria-live': 'polite' });
  const form = h('form', { class: 'card account-form', id: 'account-form', novalidate: true },
    field(username, '用户名', user ? null : '字母、数字和 _ . -，登录时使用'), field(name, '姓名'), field(role, '角色'),
    bureauField, cellsField, field(phone, '电话'),
    password ? field(password, '初始密码', '请记下并交给本人；保存后不再显示') : null,
    user ? h('label', { class: 'check', for: active.id }, active, t('启用（停用后立即退出所有设备）')) : null,
    general, h('button', { type: 'submit', class: 'primary' }, t(user ? '保存' : '新建账号')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    const body = { display_name: name.value.trim() || null, role: role.value, phone: phone.value.trim() || null,
                   bureau_code: role.value === 'bureau' ? bureau.value || null : null,
                   cell_codes: role.value === 'inspector' ? [...cellPick.selectedOptions].map((o) => o.value) : [] };
    if (user) body.is_active = active.checked;
    else Object.assign(body, { username: username.value.trim(), password: password.value });
    if (user && body.display_name === null) delete body.display_name;
    button.disabled = true;
    clearErrors(form, general);
    try {
      const result = await api(user ? `/api/v1/users/${user.id}` : '/api/v1/users', { method: user ? 'PATCH' : 'POST', json: body });
      toast(`${t('已保存')} · ${result.username}`);
      await saved(result.id);
    } catch (error) {
      showErrors(form, general, error, IDS);
    } finally {
      button.disabled = false;
    }
  });
  return h('section', {}, back, h('h2', {}, user ? `${u.display_name} · ${u.username}` : t('新建账号')), form,
    user ? accountActions(user) : null);
}

// Reset the password (the new one shown here once) and sign a lost phone out.
function accountActions(user) {
  const outcome = h('div', { id: 'acct-action-result', 'aria-live': 'polite' });
  const act = async (button, path, shown) => {
    button.disabled = true;
    try {
      outcome.replaceChildren(shown(await api(path, { method: 'POST' })));
    } catch (error) {
      outcome.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
    } finally {
      button.disabled = false;
    }
  };
  const reset = h('button', { type: 'button', id: 'reset-password', onclick: () => {
    if (!confirm(t('重置后旧密码失效，该账号的所有设备需重新登录。确定重置吗？'))) return;
    act(reset, `/api/v1/users/${user.id}/reset-password`, (r) => h('div', { class: 'queued once' },
      h('p', {}, t('新密码（仅显示这一次，请记下交给本人）')), h('p', { class: 'secret', id: 'new-password' }, r.password)));
  } }, t('重置密码'));
  const revoke = h('button', { type: 'button', class: 'danger', id: 'revoke-tokens', onclick: () =>
    act(revoke, `/api/v1/users/${user.id}/revoke-tokens`, (r) => h('p', { class: 'queued', role: 'status' },
      t('已注销 {n} 个登录设备', { n: r.revoked }))) }, t('注销所有设备（手机丢失）'));
  return h('div', { class: 'actions-panel' }, h('h3', {}, t('账号安全')), reset, revoke, outcome);
}

function importBox(reload) {
  const file = h('input', { id: 'account-import-file', type: 'file', accept: '.csv,.xlsx', required: true });
  const outcome = h('div', { id: 'account-import-result', 'aria-live': 'polite' });
  const template = (format) => h('button', { type: 'button', class: 'inline', id: `template-${format}`, onclick: async () => {
    try {
      saveFile(await fileBlob(`/api/v1/users/import-template?format=${format}`, '模板下载失败'), `accounts-template.${format}`);
    } catch (error) {
      toast(errorText(error), { error: true });
    }
  } }, t(format === 'xlsx' ? '下载模板（XLSX）' : '下载模板（CSV）'));
  const form = h('form', { class: 'import' },
    h('p', { class: 'hint' }, t('每行一个账号；有一行出错则整批不导入。列：username, name, role, bureau, cells, phone。角色可写中文；单位写编码或名称；网格编码用逗号分隔。')),
    h('div', { class: 'inline-buttons' }, template('xlsx'), template('csv')),
    h('label', { for: file.id }, t('文件（.xlsx、.csv）')), file,
    h('button', { type: 'submit', class: 'primary' }, t('导入')), outcome);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    const format = chosen && importFormat(chosen.name);
    if (!format || format.format === 'geojson') {
      outcome.replaceChildren(h('p', { class: 'error', role: 'alert' }, t('请选择 .xlsx 或 .csv 文件')));
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    outcome.replaceChildren(h('p', { class: 'hint' }, t('导入中…')));
    try {
      const result = await api(`/api/v1/users/import?format=${format.format}`,
        { method: 'POST', body: await chosen.arrayBuffer(), headers: { 'Content-Type': format.type } });
      file.value = '';
      outcome.replaceChildren(...imported(result));
      await reload();
    } catch (error) {
      outcome.replaceChildren(...importErrors(error));
    } finally {
      button.disabled = false;
    }
  });
  return h('details', { class: 'action', id: 'account-import' }, h('summary', {}, t('批量导入账号')), form);
}

// The initial passwords live only in this answer: saved as a file from here, never asked for again.
function imported(result) {
  const rows = [['username', 'name', 'role', 'password'], ...result.accounts.map((a) => [a.username, a.display_name, a.role, a.password])];
  const save = h('button', { type: 'button', class: 'primary', id: 'save-passwords', onclick: () => {
    saveFile(csvBlob(rows), `initial-passwords-${new Date().toISOString().slice(0, 10)}.csv`);
  } }, t('下载初始密码（CSV）'));
  return [h('p', { class: 'queued', role: 'status' }, t('已导入 {n} 个账号', { n: result.created })),
    h('p', { class: 'warn' }, t('初始密码只在这里提供一次：请现在下载并妥善分发，离开本页后无法再取回。')), save];
}

function importErrors(error) {
  const rows = error.code === 'users_invalid' && Array.isArray(error.detail?.details) ? error.detail.details : null;
  if (!rows) return [h('p', { class: 'error', role: 'alert' }, errorText(error))];
  const text = (e) => (lang === 'en' ? e.message_en : e.message);
  return [
    h('p', { class: 'error', role: 'alert' }, `${t('导入失败，未创建任何账号')}${t('：')}${rows.length} ${t('行有错误')}`),
    h('table', { class: 'by-bureau import-errors', id: 'account-import-errors' },
      h('thead', {}, h('tr', {}, ...['行', '用户名', '错误'].map((c) => h('th', { scope: 'col' }, t(c))))),
      h('tbody', {}, ...rows.map((row) => h('tr', {}, h('th', { scope: 'row' }, String(row.row)), h('td', {}, row.username || '—'),
        h('td', {}, row.errors.map(text).join(t('；')))))))];
}
