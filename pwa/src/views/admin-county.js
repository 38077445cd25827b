// 系统管理 · 县区设置: the county's document (units, point types, categories, routing rules, calendar, checklists,
// ranking) as the YAML file `gridpatrol config export` writes, and such a file imported: first what it would
// change, section by section (POST /config/import/preview changes nothing), then the import of what was shown.
import { api, fileBlob } from '../api.js';
import { h } from '../dom.js';
import { t, lang, errorText } from '../i18n.js';
import { saveFile } from './admin-parts.js';

const SECTIONS = { bureaus: '单位', point_types: '点位类型', categories: '问题类别', routing_rules: '派遣规则',
                   calendar_overrides: '节假日调整', checklists: '检查表', ranking: '排名设置' };
const KINDS = [['added', '新增'], ['changed', '修改'], ['removed', '移除']];
// The validation messages met most in a hand-edited file; any other reads as a bad format.
const MESSAGES = { 'Field required': '缺少此项', 'Extra inputs are not permitted': '不能有此项' };

export async function render() {
  return h('section', { class: 'county-admin' }, h('h2', {}, t('县区设置')),
    h('p', { class: 'hint' }, t('单位、点位类型、问题类别、派遣规则、节假日调整、检查表和排名设置，作为一个 YAML 文件下载、修改和导入（与命令行 gridpatrol config export/import 的文件相同）。')),
    exportBox(), importBox());
}

function exportBox() {
  const outcome = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'button', id: 'county-export', onclick: async () => {
    button.disabled = true;
    outcome.replaceChildren();
    try {
      saveFile(await fileBlob('/api/v1/config/export.yaml', '下载失败'), 'county-config.yaml');
    } catch (error) {
      outcome.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
    } finally {
      button.disabled = false;
    }
  } }, t('下载设置文件（YAML）'));
  return h('div', { class: 'card' }, h('h3', {}, t('导出')), button, outcome);
}

function importBox() {
  const file = h('input', { id: 'county-file', type: 'file', accept: '.yaml,.yml,.json', required: true });
  const fileError = h('div', { class: 'error field-error', id: 'county-file-error', role: 'alert', hidden: true });
  const result = h('div', { id: 'county-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary' }, t('预览变更'));
  const form = h('form', { class: 'import', id: 'county-form', novalidate: true },
    h('label', { for: file.id }, t('设置文件（.yaml 或 .json）')), file, fileError, button);
  const refuse = (...lines) => {
    fileError.replaceChildren(...lines.map((line) => h('p', {}, line)));
    fileError.hidden = false;
    file.setAttribute('aria-invalid', 'true');
    file.setAttribute('aria-describedby', fileError.id);
  };
  const reset = () => {
    fileError.hidden = true;
    file.removeAttribute('aria-invalid');
    file.removeAttribute('aria-describedby');
    result.replaceChildren();
  };
  file.addEventListener('change', reset); // a preview holds for the file it was made of
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    reset();
    const chosen = file.files[0];
    if (!chosen) { refuse(t('请选择设置文件')); return; }
    button.disabled = true;
    result.replaceChildren(h('p', { class: 'hint' }, t('检查中…')));
    try {
      const json = chosen.name.toLowerCase().endsWith('.json');
      const preview = await api('/api/v1/config/import/preview', { method: 'POST', body: await chosen.arrayBuffer(),
        headers: { 'Content-Type': json ? 'application/json' : 'application/yaml' } });
      showPreview(result, preview);
    } catch (error) {
      result.replaceChildren();
      refuse(errorText(error), ...problems(error));
    } finally {
      button.disabled = false;
    }
  });
  return h('div', { class: 'card' }, h('h3', {}, t('导入')), form, result);
}

/** Where in the file a refused document is wrong: `categories › 3 › name`, sections and entries by number. */
function problems(error) {
  const details = error.detail?.details;
  if (error.code !== 'config_invalid' || !Array.isArray(details)) return [];
  return details.map((d) => {
    const where = (d.loc || []).map((part, i) => (i === 0 && SECTIONS[part] ? t(SECTIONS[part])
      : typeof part === 'number' ? t('第 {n} 项', { n: part + 1 }) : String(part))).join(' › ');
    const message = lang === 'en' ? d.msg : t(MESSAGES[d.msg] || '格式不正确');
    return `${where}${t('：')}${message}`;
  });
}

function value(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return t(v ? '是' : '否');
  if (Array.isArray(v)) return v.length ? v.map(value).join(t('、')) : '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function showPreview(result, preview) {
  const changes = (s) => s.added.length + s.changed.length + s.removed.length;
  const touched = preview.sections.filter(changes);
  const total = (kind) => preview.sections.reduce((sum, s) => sum + s[kind].length, 0);
  const entry = (kind, label, change) => h('li', { class: `diff-${kind}`, 'data-key': change.key },
    h('span', { class: `diff-count ${kind}` }, t(label)), ' ',
    h('strong', {}, change.label), change.label !== change.key ? h('span', { class: 'code' }, change.key) : null,
    kind === 'changed' ? h('ul', { class: 'field-changes' }, ...change.fields.map((f) => h('li', {},
      h('span', { class: 'field-name' }, f.field), t('：'), `${value(f.before)} → ${value(f.after)}`))) : null);
  const sections = touched.map((s) => h('section', { class: 'diff-section', 'data-section': s.section },
    h('h4', {}, t(SECTIONS[s.section] || s.section), ' ',
      ...KINDS.filter(([kind]) => s[kind].length).map(([kind, label]) => h('span', { class: `diff-count ${kind}` },
        `${t(label)} ${s[kind].length}`))),
    h('ul', { class: 'diff-entries' }, ...KINDS.flatMap(([kind, label]) => s[kind].map((c) => entry(kind, label, c))))));
  const outcome = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'primary', id: 'county-confirm', onclick: async () => {
    button.disabled = true;
    outcome.replaceChildren();
    try {
      await api('/api/v1/config/import', { method: 'POST', json: preview.document });
      result.replaceChildren(h('p', { class: 'queued', role: 'status', id: 'county-imported' }, t('设置已导入')));
    } catch (error) {
      button.disabled = false;
      outcome.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(error)));
    }
  } }, t('确认导入'));
  result.replaceChildren(
    h('p', { class: 'diff-counts', id: 'county-diff-counts' }, ...KINDS.map(([kind, label]) => h('span', { 'data-kind': kind },
      `${t(label)} `, h('strong', {}, String(total(kind)))))),
    touched.length ? h('p', { class: 'hint' }, t('以下为导入后将发生的变更，尚未导入。')) : null,
    ...sections,
    touched.length ? button : h('p', { class: 'hint', id: 'county-nothing' }, t('与当前设置相同，无需导入')), outcome);
}
