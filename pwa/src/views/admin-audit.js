// 系统管理 · 操作记录: every admin change, newest first — who, when, what, each changed field before and after.
import { api } from '../api.js';
import { h, formatTime } from '../dom.js';
import { t, errorText } from '../i18n.js';

const ENTITIES = [['', '全部'], ['user', '用户账号'], ['bureau', '单位'], ['category', '问题类别'], ['point_type', '点位类型'],
                  ['routing_rule', '派遣规则'], ['calendar', '工作日历'], ['grid', '网格'], ['county', '县级配置']];
const ENTITY_NAMES = Object.fromEntries(ENTITIES);
const ACTIONS = { create: '新建', update: '修改', import: '批量导入', reset_password: '重置密码', set_password: '设置密码',
                  revoke_tokens: '注销设备', delete: '删除' };
const FIELDS = { display_name: '姓名', role: '角色', bureau_code: '单位', phone: '电话', is_active: '启用', cell_codes: '负责网格',
                 username: '用户名', usernames: '账号', tokens_revoked: '注销的设备', name: '名称', name_en: '英文名称', kind: '类型',
                 webhook_url: '群机器人地址', contact_phone: '联系电话', is_workday: '上班', note: '说明', family: '大类',
                 pinyin: '拼音首字母', default_bureau_code: '默认单位', deadline_value: '处置时限', deadline_unit: '时限单位',
                 position: '顺序', category_codes: '问题类别', point_type_codes: '点位类型', cell_prefixes: '区域',
                 time_from: '起始时间', time_to: '结束时间', weekdays: '星期', target_kind: '派往', is_enabled: '启用',
                 cells: '网格数', crs: '坐标系' };

export async function render({ query }) {
  const entity = new URLSearchParams(query).get('entity') || '';
  const list = h('ol', { class: 'audit-list', id: 'audit-list' });
  const more = h('button', { type: 'button', class: 'more', hidden: true }, t('加载更多'));
  const status = h('div', { 'aria-live': 'polite' });
  let cursor = null;
  const load = async () => {
    more.disabled = true;
    try {
      const page = await api(`/api/v1/audit?limit=50${entity ? `&entity=${entity}` : ''}${cursor ? `&cursor=${cursor}` : ''}`);
      list.append(...page.items.map(entry));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      if (!list.children.length) status.replaceChildren(h('p', { class: 'empty' }, t('暂无操作记录')));
    } catch (error) {
      status.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  await load();
  return h('section', { class: 'audit' }, h('h2', {}, t('操作记录')),
    h('nav', { class: 'chips', 'aria-label': t('筛选') }, ...ENTITIES.map(([key, label]) => h('a', { class: 'chip',
      href: `#/admin/audit${key ? `?entity=${key}` : ''}`, 'aria-current': key === entity ? 'true' : null }, t(label)))),
    status, list, more);
}

const shown = (value) => {
  if (value === null || value === undefined || value === '') return '—';
  if (value === true) return t('是');
  if (value === false) return t('否');
  return Array.isArray(value) ? value.join(t('、')) || '—' : String(value);
};

function entry(e) {
  const changes = Object.entries(e.changes);
  return h('li', { class: 'audit-entry', 'data-entity': e.entity, 'data-action': e.action },
    h('div', {}, h('strong', {}, `${t(ACTIONS[e.action] || e.action)} · ${t(ENTITY_NAMES[e.entity] || e.entity)} ${e.entity_key}`)),
    h('div', { class: 'meta' }, `${formatTime(e.at)} · ${e.actor_name ? `${e.actor_name} (${e.actor})` : t('系统')}`),
    changes.length ? h('ul', { class: 'changes' }, ...changes.map(([field, change]) => h('li', {},
      h('span', { class: 'field-name' }, `${t(FIELDS[field] || field)}${t('：')}`),
      change.before === null || change.before === undefined || e.action === 'import'
        ? shown(change.after) : `${shown(change.before)} → ${shown(change.after)}`))) : null);
}
