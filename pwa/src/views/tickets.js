// My tickets: what became of each report (status, bureau, deadline, after-photos), and verification
// of rectified tickets in my cells — queued through the outbox like a capture, so it works offline.
import { api, imageUrl } from '../api.js';
import { kvGet, kvSet } from '../db.js';
import { h, formatTime, toast } from '../dom.js';
import { t, lang, statusName, errorText } from '../i18n.js';
import { enqueue, items } from '../outbox.js';
import { requestBackgroundSync } from '../sw-sync.js';

const LIGHT = { green: '🟢', yellow: '🟡', red: '🔴' };

async function cached(key, path) {
  try {
    const value = await api(path);
    await kvSet(key, { value, at: Date.now() });
    return { value, at: Date.now(), stale: false };
  } catch (error) {
    const stored = await kvGet(key);
    if (!stored || error.status === 401 || error.status === 403) throw error;
    return { ...stored, stale: true };
  }
}

export async function render({ user, params, sync }) {
  if (params[0]) return detail(params[0], user, sync);
  const mine = user.role === 'inspector' || user.role === 'supervisor';
  const section = h('section', {}, h('h2', {}, t('我的工单')));
  try {
    if (mine) {
      const toVerify = await cached('list:verification', '/api/v1/queues/verification?limit=50');
      if (toVerify.value.items.length) {
        section.append(h('h3', {}, t('待核查')), list(toVerify.value.items));
      }
    }
    const path = mine ? '/api/v1/tickets?author=me&limit=100' : '/api/v1/tickets?limit=100';
    const tickets = await cached('list:tickets', path);
    section.append(tickets.stale ? h('p', { class: 'hint' }, `${t('离线数据')} · ${t('上次更新')} ${formatTime(tickets.at)}`) : '',
      tickets.value.items.length ? list(tickets.value.items) : h('p', { class: 'empty' }, t('暂无工单')));
  } catch (error) {
    section.append(h('p', { class: 'error', role: 'alert' }, errorText(error)));
  }
  return section;
}

function list(tickets) {
  return h('ul', { class: 'tickets' }, ...tickets.map((ticket) => h('li', {},
    h('a', { href: `#/tickets/${ticket.id}`, class: `ticket status-${ticket.status}` },
      h('strong', {}, lang === 'en' ? ticket.category.name_en : ticket.category.name), ' ',
      h('span', { class: 'status' }, statusName(ticket.status)),
      h('div', { class: 'meta' }, [ticket.cell_name, ticket.bureau_name, formatTime(ticket.created_at)].filter(Boolean).join(' · ')),
      ticket.deadline_at && !['closed', 'cancelled'].includes(ticket.status)
        ? h('div', { class: 'meta' }, `${LIGHT[ticket.light] || ''} ${t('期限')} ${formatTime(ticket.deadline_at)}`) : null))));
}

async function detail(id, user, sync) {
  const back = h('a', { href: '#/tickets', class: 'back' }, `‹ ${t('返回')}`);
  let ticket;
  try {
    ticket = (await cached(`ticket:${id}`, `/api/v1/tickets/${id}`)).value;
  } catch (error) {
    return h('section', {}, back, h('p', { class: 'error', role: 'alert' }, errorText(error)));
  }
  const gallery = (kind) => {
    const photos = ticket.photos.filter((p) => p.kind === kind && p.urls.thumb);
    const strip = h('div', { class: 'gallery' });
    for (const photo of photos) {
      const img = h('img', { alt: `${kind} ${photo.position ?? ''}`, loading: 'lazy' });
      imageUrl(photo.urls.display).then((url) => { img.src = url; }).catch(() => { img.alt += ' (offline)'; });
      strip.append(img);
    }
    return photos.length ? strip : null;
  };
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, t('状态')), h('dd', { id: 'ticket-status' }, statusName(ticket.status)),
    h('dt', {}, t('网格')), h('dd', {}, `${ticket.cell_name || ''} ${ticket.cell_code || ''}`),
    h('dt', {}, t('承办单位')), h('dd', {}, ticket.bureau_name || '—'),
    h('dt', {}, t('期限')), h('dd', {}, ticket.deadline_at ? `${LIGHT[ticket.light] || ''} ${formatTime(ticket.deadline_at)}` : '—'),
    h('dt', {}, t('分派依据')), h('dd', {}, (lang === 'en' ? ticket.routing?.reason_en : ticket.routing?.reason) || '—'));
  const history = h('ol', { class: 'history' }, ...(ticket.events || []).map((e) => h('li', {},
    `${formatTime(e.at)} ${e.actor?.display_name || ''} ${e.action}${e.to_status ? ' → ' + statusName(e.to_status) : ''}`,
    e.payload?.note || e.payload?.reason ? ` · ${e.payload.note || e.payload.reason}` : '')));
  return h('section', { class: 'detail' }, back,
    h('h2', {}, lang === 'en' ? ticket.category.name_en : ticket.category.name),
    facts, ticket.description ? h('p', {}, ticket.description) : null,
    h('h3', {}, t('问题照片')), gallery('before'),
    ticket.photos.some((p) => p.kind === 'after') ? h('h3', {}, t('整改照片')) : null, gallery('after'),
    (ticket.allowed_actions || []).includes('verify') ? await verifyForm(ticket, sync) : null,
    h('h3', {}, t('处理记录')), history);
}

async function verifyForm(ticket, sync) {
  const queued = (await items()).find((item) => item.kind === 'action' && item.ticketId === ticket.id
                                                && item.action === 'verify');
  if (queued) return h('p', { class: 'card', role: 'status' }, `${t('已保存待发送')} · ${queued.summary.title}`);
  const note = h('textarea', { id: 'verify-note', rows: 2, maxLength: 500 });
  const decide = (result) => async () => {
    if (result === 'fail' && !note.value.trim()) {
      note.focus();
      toast(`${t('核查说明')}：请写明不通过的原因 · say why it fails`, { error: true });
      return;
    }
    const actionId = crypto.randomUUID();
    form.querySelectorAll('button').forEach((button) => { button.disabled = true; });
    try {
      await enqueue({ id: actionId, kind: 'action', ticketId: ticket.id, action: 'verify',
                      body: { action_id: actionId, result, note: note.value.trim() },
                      summary: { title: `${t(result === 'pass' ? '核查通过' : '核查不通过')} · ${ticket.category.name}` } });
      form.replaceChildren(h('p', { role: 'status' }, `${t('已保存待发送')} · ${t(result === 'pass' ? '核查通过' : '核查不通过')}`));
      requestBackgroundSync();
      sync();
    } catch (error) {
      form.querySelectorAll('button').forEach((button) => { button.disabled = false; });
      toast(errorText(error), { error: true });
    }
  };
  const form = h('div', { class: 'card verify' }, h('h3', {}, t('待核查')),
    h('label', { for: 'verify-note' }, t('核查说明')), note,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: decide('pass') }, t('核查通过')),
      h('button', { type: 'button', class: 'danger', onclick: decide('fail') }, t('核查不通过'))));
  return form;
}
