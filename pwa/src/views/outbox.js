// What is still on the phone: each item's state, progress, attempts and last error; send now;
// retry or discard what the server refused; export everything unsent as a ZIP.
import { h, formatTime, toast } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { discard, items, photosOf, progressOf, retry, subscribe } from '../outbox.js';

const STATE = { queued: '排队中', sending: '发送中', conflict: '冲突', failed: '被拒绝' };
let unsubscribe = null;
window.addEventListener('hashchange', () => { unsubscribe?.(); unsubscribe = null; });

export async function render({ sync }) {
  unsubscribe?.();
  const list = h('ul', { class: 'outbox', id: 'outbox-list' });
  const progress = new Map();
  async function draw() {
    const all = await items();
    // Between tries, how far each item got is read from what is stored (a patrol has many parts).
    const steps = await Promise.all(all.map((item) => progress.get(item.id) || progressOf(item)));
    list.replaceChildren(...(all.length ? all.map((item, i) => row(item, steps[i])) : [h('li', { class: 'empty' }, t('没有待发送'))]));
  }
  function row(item, step) {
    const label = item.kind === 'ticket' ? `${item.summary.category || ''} · ${item.summary.cellName || item.summary.cell || ''}`
      : item.kind === 'patrol' ? `${t('巡查')} ${item.summary.pointName}`
        + (item.summary.problems ? ` · ${item.summary.problems} ${t('个问题')}` : '')
        : `${item.summary.title || item.action}`;
    const stuck = item.state === 'conflict' || item.state === 'failed';
    return h('li', { class: `item ${item.state}`, 'data-id': item.id },
      h('div', {}, h('strong', {}, label), ' ', h('span', { class: 'state' }, t(STATE[item.state] || item.state))),
      h('div', { class: 'meta' }, formatTime(item.queuedAt), item.attempts ? ` · ${item.attempts} ${t('次尝试')}` : ''),
      step.done || progress.has(item.id)
        ? h('progress', { max: step.total, value: step.done, 'aria-label': `${step.done}/${step.total}` }) : null,
      item.lastError ? h('div', { class: 'error' }, errorText(item.lastError)) : null,
      stuck ? h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: async () => { await retry(item.id); sync({ force: true }); } }, t('重试')),
        h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (confirm(`${t('放弃')}？ ${label}`)) { await discard(item.id); draw(); }
        } }, t('放弃'))) : null);
  }
  unsubscribe = subscribe((message) => {
    if (message.type === 'progress') progress.set(message.id, message);
    draw();
  });
  await draw();
  const sendNow = h('button', { type: 'button', class: 'primary', id: 'send-now', onclick: async () => {
    sendNow.disabled = true;
    try {
      const summary = await sync({ force: true });
      if (summary?.offline) toast(t('离线：工单和巡查保存在本机，联网后自动发送'), { error: true });
    } catch (error) {
      toast(errorText(error), { error: true });
    } finally {
      sendNow.disabled = false;
    }
  } }, t('立即发送'));
  const exportZip = h('button', { type: 'button', onclick: () => exportUnsent().catch((e) => toast(errorText(e), { error: true })) }, t('导出未发送'));
  return h('section', {}, h('h2', {}, t('待发送')), h('div', { class: 'actions' }, sendNow, exportZip), list);
}

/** The escape hatch: every unsent item as JSON plus its photo files, in one ZIP to save or share. */
async function exportUnsent() {
  const { zipSync, strToU8 } = await import('fflate');
  const files = {};
  for (const item of await items()) {
    files[`${item.id}/item.json`] = strToU8(JSON.stringify(item, null, 2));
    for (const photo of await photosOf(item.id)) {
      // A patrol's ticket photos go in a folder per ticket (item.json has each ticket's body).
      const folder = photo.ticketId ? `${item.id}/${photo.ticketId}` : item.id;
      if (photo.bytes) files[`${folder}/${photo.id}.${photo.type.split('/')[1]}`] = [new Uint8Array(photo.bytes), { level: 0 }];
    }
  }
  const blob = new Blob([zipSync(files)], { type: 'application/zip' });
  const link = h('a', { href: URL.createObjectURL(blob), download: `gridpatrol-unsent-${new Date().toISOString().slice(0, 10)}.zip` });
  document.body.append(link);
  link.click();
  link.remove();
}
