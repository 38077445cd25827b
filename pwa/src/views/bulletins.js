// 通报: ask for a weekly, monthly or quarterly bulletin of a period (POST /api/v1/bulletins → 202), follow its
// generation (GET /api/v1/bulletins/{id}: status, progress), then open the printable page, download the PDF and
// publish it (frozen from then on, with its SHA-256). Below, every bulletin, newest first.
import './figures.css';
import { api, fileBlob } from '../api.js';
import { h, formatTime, toast } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { countyDay } from '../geo.js';
import { lastFinished, recentQuarters, weekOf } from '../periods.js';

const KINDS = { weekly: '周通报', monthly: '月通报', quarterly: '季通报' };
const STATUS = { queued: '排队中', running: '生成中', done: '已生成', failed: '生成失败' };
const POLL_MS = 1000;
const polling = new Set(); // ids followed by a row on screen

export async function render() {
  const today = countyDay();
  const list = h('ul', { class: 'bulletins', id: 'bulletin-list' });
  const page = h('section', { class: 'bulletins-view' }, h('h2', {}, t('通报')),
    requestForm(today, list), h('h3', {}, t('已生成的通报')), list);
  try {
    const { items } = await api('/api/v1/bulletins?limit=50');
    list.append(...items.map(bulletinRow));
    if (!items.length) list.append(h('li', { class: 'empty' }, t('暂无通报')));
  } catch (error) {
    list.append(h('li', { class: 'error', role: 'alert' }, errorText(error)));
  }
  return page;
}

// The period input for a kind: a week, a month, or one of the last eight quarters; the last finished by default.
function periodInput(kind, today) {
  const value = lastFinished(kind, today);
  if (kind === 'quarterly') {
    return h('select', { id: 'bulletin-period', required: true },
      ...recentQuarters(today).map((q) => h('option', { value: q, selected: q === value }, q)));
  }
  const max = kind === 'weekly' ? weekOf(today).label : today.slice(0, 7);
  return h('input', { id: 'bulletin-period', type: kind === 'weekly' ? 'week' : 'month', value, max, required: true });
}

function requestForm(today, list) {
  let kind = 'monthly';
  let input = periodInput(kind, today);
  const slot = h('div', { class: 'bulletin-period' }, h('label', { for: 'bulletin-period' }, t('期别')), input);
  const kinds = Object.entries(KINDS).map(([value, label]) => h('label', { class: 'check' },
    h('input', { type: 'radio', name: 'bulletin-kind', value, checked: value === kind, onchange: () => {
      kind = value;
      input = periodInput(kind, today);
      slot.replaceChildren(slot.firstChild, input);
    } }), t(label)));
  const submit = h('button', { type: 'submit', class: 'primary', id: 'bulletin-generate' }, t('生成通报'));
  const form = h('form', { class: 'bulletin-form', id: 'bulletin-form' },
    h('fieldset', {}, h('legend', {}, t('类型')), h('div', { class: 'kinds' }, ...kinds)), slot, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const created = await api('/api/v1/bulletins', { method: 'POST', json: { kind, period: input.value } });
      list.querySelector('.empty')?.remove();
      list.prepend(bulletinRow(created));
    } catch (error) {
      toast(errorText(error), { error: true });
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

const titleOf = (item) => item.title || `${item.period} ${t(KINDS[item.kind])}`;
const fileName = (item) => `${titleOf(item)}（${t('第 {n} 版', { n: item.version })}）.pdf`;

function bulletinRow(item) {
  const row = h('li', { class: 'bulletin', 'data-id': item.id });
  fill(row, item);
  return row;
}

// A row's content for the bulletin as it is now; a queued or running one asks again until it is done or failed.
function fill(row, item) {
  const finished = item.status === 'done' || item.status === 'failed';
  row.replaceChildren(...[
    h('div', { class: 'bulletin-head' }, h('strong', {}, titleOf(item)), ' ',
      h('span', { class: 'meta' }, t('第 {n} 版', { n: item.version }))),
    finished ? null : h('progress', { max: 100, value: item.progress, 'aria-label': t('生成进度') }),
    h('div', { class: 'meta bulletin-state', role: 'status' }, statusText(item)),
    item.status === 'done' ? actions(row, item) : null].filter(Boolean));
  if (!finished && !polling.has(item.id)) follow(row, item.id);
}

function statusText(item) {
  if (item.published_at) {
    return `${t('已发布')} ${formatTime(item.published_at)} · SHA-256 ${item.sha256 ? item.sha256.slice(0, 12) : ''}…`;
  }
  if (item.status === 'failed') {
    return `${t(STATUS.failed)}${item.error ? t('：') + errorText({ message: item.error, message_en: item.error_en }) : ''}`;
  }
  if (item.status === 'done') return t(STATUS.done);
  return `${t(STATUS[item.status] || '排队中')} ${item.progress}%`;
}

function follow(row, id) {
  polling.add(id);
  const next = async () => {
    if (!row.isConnected) {
      polling.delete(id);
      return;
    }
    try {
      const item = await api(`/api/v1/bulletins/${id}`);
      if (item.status === 'done' || item.status === 'failed') polling.delete(id);
      fill(row, item);
      if (polling.has(id)) setTimeout(next, POLL_MS);
    } catch (error) {
      row.querySelector('.bulletin-state').textContent = errorText(error);
      setTimeout(next, POLL_MS * 5);
    }
  };
  setTimeout(next, POLL_MS);
}

// Open the printable page, download the PDF, and (a draft) publish it after a second, explicit press.
function actions(row, item) {
  const open = h('button', { type: 'button', 'data-action': 'html', onclick: () => openHtml(item) }, t('查看网页版'));
  const pdf = h('button', { type: 'button', 'data-action': 'pdf', onclick: () => downloadPdf(item) }, t('下载PDF'));
  const buttons = h('div', { class: 'actions bulletin-actions' }, open, pdf);
  if (!item.published_at) {
    const publish = h('button', { type: 'button', 'data-action': 'publish', onclick: () => {
      publish.replaceWith(confirm);
      confirm.focus();
    } }, t('发布'));
    const confirm = h('button', { type: 'button', class: 'danger', 'data-action': 'confirm-publish', onclick: async () => {
      confirm.disabled = true;
      try {
        fill(row, await api(`/api/v1/bulletins/${item.id}/publish`, { method: 'POST' }));
      } catch (error) {
        confirm.disabled = false;
        toast(errorText(error), { error: true });
      }
    } }, t('确认发布（发布后不可更改）'));
    buttons.append(publish);
  }
  return buttons;
}

async function openHtml(item) {
  const win = window.open('', '_blank'); // now, while the click still counts: after the download a popup is blocked
  try {
    const blob = await fileBlob(item.html_url || `/api/v1/bulletins/${item.id}.html`, '通报文件无法打开');
    const url = URL.createObjectURL(blob);
    if (win) win.location = url; else location.assign(url);
  } catch (error) {
    win?.close();
    toast(errorText(error), { error: true });
  }
}

async function downloadPdf(item) {
  try {
    const blob = await fileBlob(item.pdf_url || `/api/v1/bulletins/${item.id}.pdf`, '通报文件无法打开');
    const link = h('a', { href: URL.createObjectURL(blob), download: fileName(item), hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  } catch (error) {
    toast(errorText(error), { error: true });
  }
}
