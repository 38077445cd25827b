// One ticket, for every role: where it is (the place, its map, navigation), facts, photos (tap to
// enlarge), the routing reason, the history, and the actions the server says this user may take now.
// Every action goes through the outbox with its own action_id, so it works offline and reaches the
// server exactly once.
import { api, imageUrl } from '../api.js';
import { kvGet, kvSet } from '../db.js';
import { h, formatTime, toast } from '../dom.js';
import { t, lang, statusName, errorText } from '../i18n.js';
import { discard, items, subscribe } from '../outbox.js';
import { distanceText, mapUnavailable, navLinks } from '../place.js';
import { bureauPicker } from './bureaupicker.js';
import { historyList } from './history.js';
import { deadlineText, onSitePhotos, photoFlags, queueAction, refreshPendingFlags } from './parts.js';

export const RETURN_REASONS = ['不属于本单位职责', '位置不在本单位辖区', '问题已由其他单位处理', '照片无法判断问题', '重复上报'];
// The server's rule for a pass: the after- and verification photos' flags need a note, except missing
// camera data, which every photo the phone scaled down has.
const WEAK_FLAGS = new Set(['camera_metadata_missing']);

async function load(id) {
  try {
    const value = await api(`/api/v1/tickets/${id}`);
    await kvSet(`ticket:${id}`, value);
    return { value, stale: false };
  } catch (error) {
    const stored = await kvGet(`ticket:${id}`);
    if (!stored || error.status === 401 || error.status === 403 || error.status === 404) throw error;
    return { value: stored, stale: true };
  }
}

function photoStrip(ticket, kind, shown) {
  const photos = ticket.photos.filter((p) => p.kind === kind && p.urls.display && !shown.has(p.id));
  if (!photos.length) return null;
  return h('div', { class: 'gallery' }, ...photos.map((photo, index) => {
    const names = { before: '问题照片', after: '整改照片', verification: '核查照片', spotcheck: '现场照片' };
    const img = h('img', { alt: `${t(names[kind])} ${index + 1}` });
    imageUrl(photo.urls.display).then((url) => { img.src = url; })
      .catch((error) => { img.alt += error.status === 404 ? t('（无预览）') : t('（离线）'); });
    return h('figure', {},
      h('button', { type: 'button', class: 'zoom', 'aria-label': `${t('放大')} ${img.alt}`, onclick: () => zoom(img) }, img),
      photoFlags(photo));
  }));
}

export function zoom(img) {
  const dialog = h('dialog', { class: 'zoomed' },
    h('img', { src: img.src, alt: img.alt }),
    h('form', { method: 'dialog' }, h('button', { class: 'primary' }, t('关闭'))));
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
}

/** The place line: the key point (named on the ticket, else the nearest), else the cell; the inspector's
 * note; and links that open the phone's map app there. */
function place(ticket) {
  const { lat, lon } = ticket.location;
  const near = ticket.nearest_key_point;
  const line = ticket.key_point ? h('p', { class: 'key-point', id: 'ticket-key-point' }, `${t('点位')}${t('：')}${ticket.key_point.name}`)
    : near ? h('p', { class: 'key-point', id: 'ticket-key-point' }, `${t('附近点位')}${t('：')}${near.name} · ${distanceText(near.distance_m)}`)
      : ticket.cell_name ? h('p', { class: 'key-point' }, `${t('网格')}${t('：')}${ticket.cell_name}`) : null;
  const label = ticket.key_point?.name || near?.name || ticket.cell_name || '';
  return h('div', { class: 'place', id: 'ticket-place' }, line,
    ticket.description ? h('p', { class: 'place-note', id: 'ticket-note' }, ticket.description) : null,
    navLinks(lat, lon, label, { inline: true }));
}

/**
 * `compare(ticket)`, when given, returns { node, photoIds }: a view of some photos (the verifier's
 * before / after pair) shown above the actions; the galleries leave those photos out.
 */
export async function ticketDetail(id, { sync, back, rerender, compare = null }) {
  let ticket;
  let stale = false;
  try {
    ({ value: ticket, stale } = await load(id));
  } catch (error) {
    return h('section', {}, back, h('p', { class: 'error', role: 'alert' }, errorText(error)));
  }
  const mine = (await items()).filter((item) => item.kind === 'action' && item.ticketId === id);
  const pending = mine.filter((item) => item.state === 'queued' || item.state === 'sending');
  const refused = mine.filter((item) => item.state === 'failed' || item.state === 'conflict');
  const mapBox = h('div', { class: 'minimap', id: 'ticket-map', 'aria-label': t('位置') });
  requestAnimationFrame(() => {
    if (!mapBox.isConnected) return; // navigated away before the first frame
    import('../minimap.js').then(({ miniMap }) => miniMap(mapBox, {
      lat: ticket.location.lat, lon: ticket.location.lon, cellCode: ticket.cell_code }))
      .catch((error) => mapUnavailable(mapBox, error, ticket.location));
  });
  const routing = lang === 'en' ? ticket.routing?.reason_en : ticket.routing?.reason;
  // Once the server has taken an action queued here, show the ticket as it is now.
  // A refusal shows too (the outbox keeps the item, with the server's reason).
  const unsubscribe = subscribe((message) => {
    if (['sent', 'changed', 'discarded'].includes(message.type) && pending.concat(queuedHere).some((item) => item.id === message.id)) {
      unsubscribe();
      rerender();
    }
  });
  window.addEventListener('hashchange', unsubscribe, { once: true });
  const queuedHere = [];
  // Offline, the saved copy's actions are offered: the server refuses whatever is no longer valid.
  const allowed = ticket.allowed_actions || [];
  const done = async (title, promise) => {
    try {
      const actionId = await promise;
      queuedHere.push({ id: actionId });
      actions.replaceChildren(h('p', { role: 'status', class: 'queued' }, `${t('已保存待发送')} · ${title}`));
    } catch (error) {
      toast(errorText(error), { error: true });
    }
  };
  const refusals = refused.map((item) => h('p', { class: 'error', role: 'alert' },
    `${item.summary.title}${t('：')}${item.lastError ? errorText(item.lastError) : ''} `, h('a', { href: '#/outbox' }, t('待发送'))));
  // A pass the server refused for want of a note on the flags: asked again here, replaced when re-sent.
  const refusedPass = refused.find((item) => item.action === 'verify' && item.lastError?.code === 'flags_need_note');
  const actions = h('div', { class: 'actions-panel' }, ...refusals, ...(pending.length
    ? [h('p', { role: 'status', class: 'queued' }, `${t('已保存待发送')} · ${pending.map((p) => p.summary.title).join('、')}`)]
    : actionForms(ticket, allowed, { sync, done, refusedPass })));
  const compared = compare?.(ticket);
  const shown = new Set(compared?.photoIds || []);
  const strip = (kind, title) => {
    const gallery = photoStrip(ticket, kind, shown);
    return gallery ? [h('h3', {}, t(title)), gallery] : [];
  };
  const view = h('section', { class: 'detail' }, back,
    h('h2', {}, lang === 'en' ? ticket.category.name_en : ticket.category.name, ' ',
      h('span', { class: 'status', id: 'ticket-status' }, statusName(ticket.status))),
    place(ticket),
    ticket.return_reason ? h('p', { class: 'return-reason', id: 'ticket-return-reason' }, `${t('退回原因')}${t('：')}${ticket.return_reason}`) : null,
    stale ? h('p', { class: 'hint' }, t('离线数据')) : null,
    h('dl', { class: 'facts' },
      h('dt', {}, t('网格')), h('dd', {}, ticket.cell_name || '—', ' ', h('small', { class: 'code' }, ticket.cell_code || '')),
      h('dt', {}, t('承办单位')), h('dd', { id: 'ticket-bureau' }, ticket.bureau_name || '—'),
      h('dt', {}, t('期限')), h('dd', {}, deadlineText(ticket) || '—'),
      h('dt', {}, t('分派依据')), h('dd', { id: 'ticket-routing' }, routing || '—'),
      h('dt', {}, t('上报人')), h('dd', {}, `${ticket.author.display_name} · ${formatTime(ticket.captured_at)}`)),
    compared?.node, actions,
    ...strip('before', '问题照片'), ...strip('after', '整改照片'), ...strip('verification', '核查照片'), ...strip('spotcheck', '现场照片'),
    h('h3', {}, t('位置')), mapBox,
    h('h3', {}, t('处理记录')), historyList(ticket.events));
  refreshPendingFlags(id, view);
  return view;
}

function field(label, input) {
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
}

function simpleForm(name, title, fields, submitLabel, onSubmit, { open = false, danger = false } = {}) {
  const form = h('form', { class: 'action-form', 'data-action': name }, ...fields,
    h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, submitLabel));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    form.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    onSubmit();
  });
  return h('details', { class: 'action', open }, h('summary', {}, title), form);
}

function actionForms(ticket, allowed, { sync, done, refusedPass }) {
  const forms = [];
  const act = (action, body, title, photos = []) => done(title, queueAction({ ticketId: ticket.id, action, body, title, photos, sync }));
  const once = (fn) => (event) => {
    event.currentTarget.closest('div, form')?.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    event.currentTarget.disabled = true;
    fn();
  };
  if (allowed.includes('accept')) {
    forms.push(h('button', { type: 'button', class: 'primary', id: 'accept', onclick: once(() => act('accept', {}, t('签收'))) }, t('签收')));
  }
  if (allowed.includes('rectify')) {
    const shots = onSitePhotos('after', 'after-photo');
    const note = h('textarea', { id: 'rectify-note', rows: 2, required: true, maxLength: 500 });
    forms.push(simpleForm('rectify', t('提交整改'), [shots.node, field(t('整改说明'), note)], t('提交整改'), () => {
      const photos = shots.photos();
      if (!photos.length) {
        toast(t('请先拍整改照片'), { error: true });
        document.querySelectorAll('[data-action="rectify"] button').forEach((b) => { b.disabled = false; });
        return;
      }
      const location = shots.fix();
      act('rectify', { note: note.value.trim(), photo_ids: photos.map((p) => p.id), ...(location ? { location } : {}) },
        t('提交整改'), photos);
    }, { open: ticket.status === 'accepted' || ticket.status === 'rework' }));
  }
  if (allowed.includes('verify')) forms.push(verifyCard(ticket, act, refusedPass));
  if (allowed.includes('return')) {
    const choice = h('select', { id: 'return-reason', required: true }, h('option', { value: '' }, t('请选择')),
      ...RETURN_REASONS.map((r) => h('option', { value: r }, t(r))), h('option', { value: 'other' }, t('其他')));
    const more = h('input', { id: 'return-more', maxLength: 400 });
    forms.push(simpleForm('return', t('退回'), [field(t('退回原因'), choice), field(t('补充说明'), more)], t('退回'), () => {
      const reason = [choice.value === 'other' ? '' : choice.value, more.value.trim()].filter(Boolean).join('：');
      if (!reason) {
        toast(t('退回原因'), { error: true });
        document.querySelectorAll('[data-action="return"] button').forEach((b) => { b.disabled = false; });
        return;
      }
      act('return', { reason }, t('退回'));
    }, { danger: true }));
  }
  if (allowed.includes('request_extension')) {
    const hours = h('input', { id: 'extension-hours', type: 'number', min: 1, max: 200, value: 8, required: true });
    const reason = h('input', { id: 'extension-reason', required: true, maxLength: 500 });
    forms.push(simpleForm('request_extension', t('申请延期'), [field(t('延长工作小时'), hours), field(t('延期原因'), reason)],
      t('申请延期'), () => act('request_extension', { hours: Number(hours.value), reason: reason.value.trim() }, t('申请延期'))));
  }
  // A bureau's pending request (延期 / 挂账) and the dispatcher's approve / deny with a note.
  const decisionCard = (action, title, request, approveLabel, denyLabel) => {
    const note = h('input', { id: `${action}-note`, maxLength: 500 });
    const decide = (approve) => once(() => act(action, { approve, note: note.value.trim() || (approve ? '同意' : '不同意') },
      t(approve ? approveLabel : denyLabel)));
    return h('div', { class: 'card' }, h('h3', {}, t(title)), h('p', {}, request), field(t('审批意见'), note),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: decide(true) }, t(approveLabel)),
        h('button', { type: 'button', class: 'danger', onclick: decide(false) }, t(denyLabel))));
  };
  if (allowed.includes('decide_extension') && ticket.extension_requested) {
    const { until, reason } = ticket.extension_requested;
    forms.push(decisionCard('decide_extension', '延期申请', `${formatTime(until)} · ${reason}`, '同意延期', '不同意延期'));
  }
  if (allowed.includes('request_park')) {
    const reason = h('input', { id: 'park-request-reason', required: true, maxLength: 500 });
    forms.push(simpleForm('request_park', t('申请挂账'), [field(t('挂账原因'), reason)], t('申请挂账'),
      () => act('request_park', { reason: reason.value.trim() }, t('申请挂账'))));
  }
  if (allowed.includes('decide_park') && ticket.park_requested) {
    const { at, reason } = ticket.park_requested;
    forms.push(decisionCard('decide_park', '挂账申请', `${formatTime(at)} · ${reason}`, '同意挂账', '不同意挂账'));
  }
  if (allowed.includes('reassign')) forms.push(reassignForm(ticket, act));
  for (const [action, label, key] of [['escalate', '督办', 'note'], ['park', '挂起', 'reason'], ['unpark', '恢复', 'note'], ['cancel', '撤销', 'reason']]) {
    if (!allowed.includes(action)) continue;
    const input = h('input', { id: `${action}-text`, required: true, maxLength: 500 });
    forms.push(simpleForm(action, t(label), [field(t(key === 'note' ? '说明' : '原因'), input)], t(label),
      () => act(action, { [key]: input.value.trim() }, t(label)), { danger: action === 'cancel' }));
  }
  return forms;
}

/**
 * Pass or fail. A failure needs a reason and a photo of what is still wrong. Evidence with integrity
 * flags shows them here, where the pass is decided, and a pass over them needs the note to say why they
 * do not matter (the server refuses it otherwise). Problems are said beside the buttons, not in a toast.
 */
function verifyCard(ticket, act, refusedPass) {
  const note = h('textarea', { id: 'verify-note', rows: 2, maxLength: 500, 'aria-describedby': 'verify-problem' });
  const shots = onSitePhotos('verification', 'verify-photo');
  const problem = h('p', { class: 'error', id: 'verify-problem', role: 'alert', hidden: true });
  const say = (text) => { problem.textContent = text; problem.hidden = !text; };
  const flags = ticket.photos.filter((p) => p.kind === 'after' || p.kind === 'verification')
    .flatMap((p) => (p.flags || []).filter((f) => !WEAK_FLAGS.has(f.code)));
  const flagList = h('ul', { class: 'flags' },
    ...flags.map((f) => h('li', { class: 'flag' }, `⚠ ${lang === 'en' ? f.reason_en || f.reason : f.reason}`)));
  const flagged = h('div', { class: 'confirm-flags', id: 'verify-flags', hidden: !flags.length && !refusedPass },
    h('p', { class: 'confirm-title' }, t('整改照片有疑点，通过核查须在核查说明中写明为何不影响')), flagList);
  const decided = h('div', { class: 'actions' });
  const send = (result) => {
    const photos = shots.photos();
    decided.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    if (refusedPass) discard(refusedPass.id); // this pass replaces the one the server refused
    act('verify', { result, note: note.value.trim(), photo_ids: photos.map((p) => p.id) },
        `${t(result === 'pass' ? '核查通过' : '核查不通过')} · ${ticket.category.name}`, photos);
  };
  const refuse = (text) => {
    say(text);
    note.setAttribute('aria-invalid', 'true');
    note.focus();
  };
  // Flags that come after the page opened are the server's to catch: it refuses the pass, and the
  // page then asks here (refusedPass).
  const pass = () => {
    if (!flagged.hidden && !note.value.trim()) {
      refuse(t('请在核查说明中写明为何这些疑点不影响通过'));
      return;
    }
    send('pass');
  };
  const fail = () => {
    if (!note.value.trim() || !shots.photos().length) {
      refuse(t('不通过须写明原因并拍照'));
      return;
    }
    send('fail');
  };
  decided.append(h('button', { type: 'button', class: 'primary', id: 'verify-pass', onclick: pass }, t('核查通过')),
    h('button', { type: 'button', class: 'danger', id: 'verify-fail', onclick: fail }, t('核查不通过')));
  note.addEventListener('input', () => { note.removeAttribute('aria-invalid'); say(''); });
  return h('div', { class: 'card verify' }, h('h3', {}, t('待核查')), shots.node, flagged, field(t('核查说明'), note),
    decided, problem);
}

function reassignForm(ticket, act) {
  const bureau = bureauPicker({ id: 'reassign-bureau', label: t('改派给'), except: ticket.bureau_code });
  const reason = h('input', { id: 'reassign-reason', required: true, maxLength: 500 });
  return simpleForm('reassign', t('改派'), [bureau.node, field(t('改派原因'), reason)], t('改派'),
    () => act('reassign', { bureau_code: bureau.value(), reason: reason.value.trim() }, `${t('改派')} → ${bureau.name()}`),
    { open: ['reported', 'returned'].includes(ticket.status) });
}
