// 台账: pick a period, units, cells, key points, categories, sources and statuses; see how many tickets that is
// and the first rows (POST /api/v1/exports/preview); export the ledger as XLSX, PDF or CSV (POST
// /api/v1/exports → 202), follow its progress (GET /api/v1/exports/{id}) and download the file. A unit's liaison
// exports its own unit's tickets (the server sees to it; the unit picker is not shown).
import './ledger.css';
import { api, fileBlob } from '../api.js';
import { formatTime, h, toast } from '../dom.js';
import { errorText, lang, statusName, t } from '../i18n.js';
import { reference } from '../data.js';
import { countyDay } from '../geo.js';
import { lastFinished } from '../periods.js';

const FORMATS = [['xlsx', '导出 XLSX 台账'], ['pdf', '导出 PDF 对比台账'], ['csv', '导出 CSV']];
const SOURCES = [['inspection', '日常巡查'], ['supervision', '督察暗访'], ['citizen', '群众反映']];
const STATUSES = ['dispatched', 'accepted', 'rectified', 'rework', 'closed', 'returned', 'parked', 'cancelled'];
const STATE = { queued: '排队中', running: '生成中', done: '已完成', failed: '导出失败' };
const POLL_MS = 1000;
const PREVIEW_DELAY_MS = 300;

export async function render({ user }) {
  const today = countyDay();
  const [bureaus, grid, categories, points] = await Promise.all([
    ref('bureaus'), ref('grid'), ref('categories'),
    api('/api/v1/key-points').catch(() => [])]);
  const form = h('form', { class: 'ledger-form', id: 'ledger-form' });
  const fields = {
    period: h('input', { id: 'ledger-period', type: 'month', value: lastFinished('monthly', today), max: today.slice(0, 7) }),
    bureau: user.role === 'bureau' ? null
      : select('ledger-bureau', bureaus.map((b) => [b.code, b.name])),
    cell: select('ledger-cell', (grid?.features || []).map((f) => [f.properties.code, f.properties.name])),
    key_point: select('ledger-key-point', points.map((p) => [String(p.id), p.name])),
    category: select('ledger-category', categories.map((c) => [c.code, lang === 'en' ? c.name_en || c.name : c.name])),
    source: select('ledger-source', SOURCES.map(([value, label]) => [value, t(label)])),
  };
  const statuses = STATUSES.map((status) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', name: 'ledger-status', value: status }), statusName(status)));
  form.append(...[
    field('ledger-period', '时段（月）', fields.period),
    fields.bureau ? field('ledger-bureau', '责任单位', fields.bureau) : null,
    field('ledger-cell', '网格', fields.cell),
    field('ledger-key-point', '点位', fields.key_point),
    field('ledger-category', '问题类别', fields.category),
    field('ledger-source', '来源', fields.source),
    h('fieldset', { class: 'ledger-statuses' }, h('legend', {}, t('状态（不选为全部）')), ...statuses),
  ].filter(Boolean)); // a liaison has no unit picker (append would write "null")
  const filters = () => {
    const chosen = { period: fields.period.value || undefined };
    for (const [key, input] of Object.entries(fields)) {
      if (key !== 'period' && input?.value) chosen[key] = key === 'key_point' ? Number(input.value) : input.value;
    }
    const picked = statuses.map((label) => label.firstChild).filter((box) => box.checked).map((box) => box.value);
    if (picked.length) chosen.status = picked;
    return chosen;
  };

  const count = h('p', { class: 'ledger-count', id: 'ledger-count', role: 'status' }, t('加载中…'));
  const rows = h('ul', { class: 'ledger-preview', id: 'ledger-preview' });
  const jobs = h('ul', { class: 'ledger-jobs', id: 'ledger-jobs' });
  const buttons = FORMATS.map(([format, label]) => h('button', {
    type: 'button', 'data-format': format, class: format === 'xlsx' ? 'primary' : '',
    onclick: () => start(format, filters(), jobs, buttons),
  }, t(label)));

  let timer = null;
  let asked = 0;
  const refresh = () => {
    clearTimeout(timer);
    const mine = ++asked; // an answer to any earlier filters is stale from now on
    count.textContent = t('加载中…'); // until the rows below are the new filters' own
    timer = setTimeout(async () => {
      try {
        const preview = await api('/api/v1/exports/preview', { method: 'POST', json: filters() });
        if (mine !== asked) return; // a later change asked again
        count.textContent = t('共 {n} 件', { n: preview.count });
        rows.replaceChildren(...preview.rows.map(previewRow));
        if (preview.count > preview.rows.length) rows.append(h('li', { class: 'meta' }, t('仅预览前 {n} 件', { n: preview.rows.length })));
      } catch (error) {
        if (mine === asked) count.textContent = errorText(error);
      }
    }, PREVIEW_DELAY_MS);
  };
  form.addEventListener('change', refresh);
  refresh();

  const page = h('section', { class: 'ledger-view' }, h('h2', {}, t('台账')), form,
    h('div', { class: 'actions ledger-actions' }, ...buttons), count, rows,
    h('h3', {}, t('最近的导出')), jobs);
  try {
    const { items } = await api('/api/v1/exports');
    jobs.append(...items.map(jobRow));
  } catch (error) {
    jobs.append(h('li', { class: 'error', role: 'alert' }, errorText(error)));
  }
  return page;
}

async function ref(name) {
  try {
    return (await reference(name)).value;
  } catch {
    return name === 'grid' ? { features: [] } : [];
  }
}

function select(id, options) {
  return h('select', { id }, h('option', { value: '' }, t('全部')),
    ...options.map(([value, label]) => h('option', { value }, label)));
}

const field = (id, label, input) => h('div', { class: 'ledger-field' }, h('label', { for: id }, t(label)), input);

function previewRow(row) {
  return h('li', { class: 'ledger-row' },
    h('div', {}, h('strong', {}, row.number), ' ', row.category, ' · ', formatTime(row.found_at)),
    h('div', { class: 'meta' }, [row.place, row.unit || t('未派遣'), statusName(row.status), row.overdue ? t('超期') : null]
      .filter(Boolean).join(' · ')),
    row.description ? h('div', { class: 'ledger-description' }, row.description) : null);
}

async function start(format, filters, jobs, buttons) {
  for (const button of buttons) button.disabled = true;
  try {
    const created = await api('/api/v1/exports', { method: 'POST', json: { format, ...filters } });
    jobs.prepend(jobRow(created));
  } catch (error) {
    toast(errorText(error), { error: true });
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

function jobRow(item) {
  const row = h('li', { class: 'ledger-job', 'data-id': item.id });
  fill(row, item);
  return row;
}

// A running export asks again each second until it is done or failed; a finished one offers its file.
function fill(row, item) {
  const finished = item.status === 'done' || item.status === 'failed';
  const percent = Math.round(item.progress * 100);
  let state = `${t(STATE[item.status] || '排队中')}${finished ? '' : ` ${percent}%`}`;
  if (item.status === 'done') state += ` · ${t('共 {n} 件', { n: item.rows })}`;
  if (item.status === 'failed' && item.error) state += t('：') + errorText({ message: item.error, message_en: item.error_en });
  row.replaceChildren(...[
    h('div', {}, h('strong', {}, item.file_name)),
    finished ? null : h('progress', { max: 100, value: percent, 'aria-label': t('导出进度') }),
    h('div', { class: 'meta ledger-state', role: 'status' }, state, ' · ', formatTime(item.created_at)),
    item.status === 'done' ? h('button', { type: 'button', 'data-action': 'download', onclick: () => download(item) },
      t('下载')) : null].filter(Boolean));
  if (!finished) setTimeout(() => follow(row, item.id), POLL_MS);
}

async function follow(row, id) {
  if (!row.isConnected) return;
  try {
    fill(row, await api(`/api/v1/exports/${id}`));
  } catch (error) {
    row.querySelector('.ledger-state').textContent = errorText(error);
    setTimeout(() => follow(row, id), POLL_MS * 5);
  }
}

async function download(item) {
  try {
    const blob = await fileBlob(item.file_url, '导出文件无法下载');
    const link = h('a', { href: URL.createObjectURL(blob), download: item.file_name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  } catch (error) {
    toast(errorText(error), { error: true });
  }
}
