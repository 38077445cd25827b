// 系统管理 · 单位: the units (bureaus, streets, enterprises, offices): name, kind, active, the group robot's
// webhook URL and phone; "send a test message" shows what the robot answered.
import { api } from '../api.js';
import { h, toast } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { split } from './parts.js';
import { clearErrors, showErrors } from './admin-parts.js';

const KINDS = [['department', '县直部门'], ['street', '街道/乡镇'], ['enterprise', '国有企业'], ['office', '办公室']];
const KIND_NAMES = Object.fromEntries(KINDS);
const IDS = { code: 'bureau-code', name: 'bureau-name', name_en: 'bureau-name-en', kind: 'bureau-kind',
              webhook_url: 'bureau-webhook', contact_phone: 'bureau-phone', is_active: 'bureau-active' };

export async function render({ params, rerender }) {
  let bureaus;
  let current = null;
  try {
    const opened = params[0] && params[0] !== 'new' ? api(`/api/v1/bureaus/${encodeURIComponent(params[0])}`) : null;
    [bureaus, current] = await Promise.all([api('/api/v1/bureaus'), opened]);
  } catch (error) {
    if (error.status !== 404) return h('p', { class: 'error', role: 'alert' }, errorText(error));
    bureaus = await api('/api/v1/bureaus').catch(() => []);
  }
  const name = (b) => (lang === 'en' && b.name_en ? b.name_en : b.name);
  const list = h('section', {}, h('h2', {}, t('单位管理')),
    h('a', { href: '#/admin/bureaus/new', class: 'button-link', id: 'new-bureau' }, `＋ ${t('新建单位')}`),
    ...KINDS.map(([kind, label]) => {
      const members = bureaus.filter((b) => b.kind === kind);
      return members.length ? [h('h3', {}, t(label)), h('ul', { class: 'tickets bureau-list' }, ...members.map((b) => h('li', {},
        h('a', { href: `#/admin/bureaus/${encodeURIComponent(b.code)}`, 'aria-current': b.code === params[0] ? 'true' : null },
          h('strong', {}, name(b)), ' ', h('span', { class: 'code' }, b.code),
          b.is_active ? null : h('span', { class: 'mark' }, t('已停用'))))))] : null;
    }));
  let detail = null;
  if (params[0]) {
    const back = h('a', { href: '#/admin/bureaus', class: 'back' }, `‹ ${t('返回')}`);
    detail = params[0] !== 'new' && !current
      ? h('section', {}, back, h('p', { class: 'error', role: 'alert' }, t('单位不存在')))
      : bureauForm(current, back, (code) => {
        if (location.hash === `#/admin/bureaus/${encodeURIComponent(code)}`) rerender();
        else location.hash = `#/admin/bureaus/${encodeURIComponent(code)}`;
      });
  }
  return split(list, detail, t('选择一个单位，或新建单位'));
}

function bureauForm(bureau, back, saved) {
  const b = bureau || { kind: 'department', is_active: true };
  const field = (node, label, hint) => h('div', { class: 'field' }, h('label', { for: node.id }, t(label)), node,
    hint ? h('p', { class: 'hint' }, t(hint)) : null);
  const input = (key, attrs) => h('input', { id: IDS[key], type: 'text', value: b[key] || '', ...attrs });
  const code = bureau ? null : input('code', { required: true, maxLength: 32, autocomplete: 'off' });
  const name = input('name', { required: true, maxLength: 64 });
  const nameEn = input('name_en', { maxLength: 128 });
  const kind = h('select', { id: IDS.kind }, ...KINDS.map(([value, label]) => h('option', { value, selected: value === b.kind }, t(label))));
  const webhook = input('webhook_url', { type: 'url', maxLength: 512, placeholder: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…' });
  const phone = input('contact_phone', { type: 'tel', maxLength: 32 });
  const active = h('input', { id: IDS.is_active, type: 'checkbox', checked: b.is_active });
  const general = h('div', { id: 'bureau-errors', 'aria-live': 'polite' });
  const form = h('form', { class: 'card bureau-form', id: 'bureau-form', novalidate: true },
    code ? field(code, '单位编码', '小写字母、数字、_ 和 -，创建后不能修改') : null,
    field(name, '单位名称'), field(nameEn, '英文名称'), field(kind, '类型'),
    field(webhook, '群机器人地址（企业微信或钉钉）', '工单交办、超期等通知发到该群'), field(phone, '联系电话'),
    h('label', { class: 'check', for: active.id }, active, t('启用')),
    general, h('button', { type: 'submit', class: 'primary' }, t(bureau ? '保存' : '新建单位')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    const body = { name: name.value.trim(), name_en: nameEn.value.trim() || null, kind: kind.value,
                   webhook_url: webhook.value.trim() || null, contact_phone: phone.value.trim() || null, is_active: active.checked };
    if (code) body.code = code.value.trim();
    button.disabled = true;
    clearErrors(form, general);
    try {
      const result = await api(bureau ? `/api/v1/bureaus/${encodeURIComponent(bureau.code)}` : '/api/v1/bureaus',
        { method: bureau ? 'PATCH' : 'POST', json: body });
      toast(`${t('已保存')} · ${result.name}`);
      saved(result.code);
    } catch (error) {
      showErrors(form, general, error, IDS);
    } finally {
      button.disabled = false;
    }
  });
  return h('section', {}, back, h('h2', {}, bureau ? bureau.name : t('新建单位')), form,
    bureau ? webhookTest(bureau) : null,
    bureau?.liaisons?.length ? h('div', {}, h('h3', {}, t('联络员')), h('ul', {}, ...bureau.liaisons.map((l) =>
      h('li', {}, `${l.display_name} · ${l.username}`, l.phone ? ` · ${l.phone}` : ''))) ) : null);
}

// The saved address is what is tested: the same one the notifications go to.
function webhookTest(bureau) {
  const outcome = h('div', { id: 'webhook-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', id: 'test-webhook', disabled: !bureau.webhook_url, onclick: async () => {
    button.disabled = true;
    outcome.replaceChildren(h('p', { class: 'hint' }, t('发送中…')));
    try {
      const result = await api(`/api/v1/bureaus/${encodeURIComponent(bureau.code)}/test-webhook`, { method: 'POST' });
      outcome.replaceChildren(h('p', { class: result.ok ? 'queued' : 'error', role: 'status' },
        result.ok ? t('机器人已收到测试消息') : `${t('发送失败')}${t('：')}${result.error}`),
      result.answer !== null ? h('div', {}, h('p', { class: 'hint' }, `${t('机器人的回复')} (HTTP ${result.status_code})${t('：')}`),
        h('pre', { class: 'robot-answer' }, result.answer)) : null);
    } catch (error) {
      outcome.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
    } finally {
      button.disabled = false;
    }
  } }, t('发送测试消息'));
  return h('div', { class: 'actions-panel' }, h('h3', {}, t('通知测试')),
    bureau.webhook_url ? null : h('p', { class: 'hint' }, t('先填写并保存群机器人地址')), button, outcome);
}
