// Pieces the role views share: the list + detail layout, an on-site photo picker with its GPS fix,
// queueing an action through the outbox, and a ticket row.
import { api, imageUrl } from '../api.js';
import { getToken, kvSet } from '../db.js';
import { h, formatTime, toast } from '../dom.js';
import { deadlineWords, lightWord } from '../deadline.js';
import { t, lang, statusName, errorText } from '../i18n.js';
import { enqueue } from '../outbox.js';
import { preparePhoto } from '../photo.js';
import { watchBestFix } from '../geo.js';
import { requestBackgroundSync } from '../sw-sync.js';

// The traffic light as colour and word (colour alone fails colour-blind users and bad screens in sun).
const light = (ticket) => (ticket.light ? h('span', { class: `light ${ticket.light}` }, `● ${t(lightWord(ticket))}`.trim()) : '');
const stoppers = new Set();
window.addEventListener('hashchange', () => { stoppers.forEach((stop) => stop()); stoppers.clear(); });

/** One column on a phone (the list, or the open ticket); list and detail side by side from 1024 px. */
export function split(list, detail, placeholder = '') {
  return h('div', { class: detail ? 'split has-detail' : 'split' },
    h('div', { class: 'pane list-pane' }, list),
    h('div', { class: 'pane detail-pane' }, detail || h('p', { class: 'hint' }, placeholder)));
}

/** The deadline with its traffic light. */
export function deadlineText(ticket) {
  if (!ticket.deadline_at) return '';
  return h('span', {}, light(ticket), ` ${deadlineWords(ticket)}`);
}

/** A photo's integrity flags in plain words, and a note while the server still compares its pixels
 * with other photos (the flags for reused or unchanged pictures come a few seconds after the upload). */
export function photoFlags(photo) {
  const items = (photo?.flags || []).map((f) => h('li', { class: 'flag' }, `⚠ ${lang === 'en' ? f.reason_en || f.reason : f.reason}`));
  if (photo?.received && photo.analysed === false) items.push(h('li', { class: 'flag pending' }, `⋯ ${t('正在比对相似照片')}`));
  return items.length ? h('ul', { class: 'flags', 'data-photo': photo.id }, ...items) : null;
}

/** While some of the ticket's photos are still being compared, ask the server again now and then and
 * put their flags in place: the verifier sees "same as before" without reloading, and nothing else on
 * the page is redrawn (a half-typed reason survives). Stops once every photo is analysed, when the
 * user leaves the ticket, or after ten tries over about six minutes (a photo the server could not read
 * stays pending). */
export function refreshPendingFlags(ticketId, root, attempt = 0) {
  if (!root.querySelector('.flag.pending') || attempt >= 10) return;
  const timer = setTimeout(async () => {
    stoppers.delete(stop);
    if (!root.isConnected) return;
    try {
      const ticket = await api(`/api/v1/tickets/${ticketId}`);
      if (!root.isConnected) return;
      await kvSet(`ticket:${ticketId}`, ticket);
      for (const photo of ticket.photos) {
        root.querySelectorAll(`ul.flags[data-photo="${photo.id}"]`).forEach((old) => old.replaceWith(photoFlags(photo) ?? ''));
      }
    } catch {
      // offline or refused: keep the note, try again later
    }
    refreshPendingFlags(ticketId, root, attempt + 1);
  }, Math.min(2000 * 2 ** attempt, 60000));
  const stop = () => clearTimeout(timer);
  stoppers.add(stop);
}

// Row thumbnails by URL (a photo never changes), so a list redrawn by a poll does not fetch them again;
// tied to the login, so the next person on a shared phone starts with none. Fetched as blobs (an <img>
// cannot send the bearer token), and only once a row comes near the screen.
const thumbs = new Map();
let thumbsToken = null;
const thumbWatch = new IntersectionObserver((entries) => {
  for (const entry of entries.filter((e) => e.isIntersecting)) {
    thumbWatch.unobserve(entry.target);
    loadThumb(entry.target);
  }
}, { rootMargin: '300px' });

async function loadThumb(img) {
  const token = await getToken();
  if (token !== thumbsToken) {
    thumbs.forEach((url) => url.then(URL.revokeObjectURL, () => {}));
    thumbs.clear();
    thumbsToken = token;
  }
  const path = img.dataset.src;
  if (!thumbs.has(path)) thumbs.set(path, imageUrl(path).catch((error) => { thumbs.delete(path); throw error; }));
  try {
    img.src = await thumbs.get(path);
  } catch {
    // offline or not there: the grey square and its alt text stay; the next redraw tries again
  }
}

/** The first before-photo's thumbnail, or an empty square of the same size (rows stay aligned). */
function thumb(ticket) {
  const photo = ticket.photos?.find((p) => p.kind === 'before' && p.urls?.thumb);
  if (!photo) return h('span', { class: 'thumb', 'aria-hidden': 'true' });
  const img = h('img', { class: 'thumb', alt: t('问题照片'), loading: 'lazy', width: 64, height: 64, 'data-src': photo.urls.thumb });
  thumbWatch.observe(img);
  return img;
}

/** A ticket in a list: thumbnail, category, state, marks (new since last looked, 督办, 反复, 返工),
 * place and unit (`bureau: false` in the unit's own queue), and the deadline in words. */
export function ticketRow(ticket, href, { selectable = false, fresh = false, bureau = true } = {}) {
  const marks = [ticket.escalated ? t('督办') : null, ticket.recurring ? t('反复') : null,
                 ticket.rework_count ? `${t('返工')}×${ticket.rework_count}` : null].filter(Boolean);
  return h('li', { class: 'row' },
    selectable ? h('input', { type: 'checkbox', class: 'pick', value: ticket.id,
                              'aria-label': `${t('选择')} ${ticket.category.name} ${ticket.cell_name || ''}` }) : null,
    h('a', { href, class: `ticket status-${ticket.status}`, 'data-id': ticket.id },
      thumb(ticket),
      h('div', { class: 'row-body' },
        fresh ? h('span', { class: 'mark new' }, t('新')) : null,
        h('strong', {}, lang === 'en' ? ticket.category.name_en : ticket.category.name), ' ',
        h('span', { class: 'status' }, statusName(ticket.status)),
        ...marks.map((mark) => h('span', { class: 'mark' }, mark)),
        h('div', { class: 'meta' }, [ticket.cell_name, bureau ? ticket.bureau_name : null, formatTime(ticket.created_at)].filter(Boolean).join(' · ')),
        ticket.deadline_at && !['closed', 'cancelled'].includes(ticket.status)
          ? h('div', { class: 'meta' }, deadlineText(ticket)) : null)));
}

/**
 * Photos taken on site for an action (after-photos, spot-check photos), each prepared like a capture,
 * plus the GPS fix where they were taken. Returns { node, photos(), fix() }.
 */
export function onSitePhotos(kind, inputId) {
  const photos = [];
  let fix = null;
  const thumbs = h('ul', { class: 'thumbs' });
  const status = h('p', { class: 'hint', 'aria-live': 'polite' });
  const input = h('input', { id: inputId, type: 'file', accept: 'image/*', capture: 'environment', multiple: true,
                             class: 'visually-hidden' });
  // The fix is taken where the photos are taken (the ticket may have been opened in the office).
  let stop = null;
  input.addEventListener('change', async () => {
    if (!photos.length) {
      stop?.();
      fix = null;
      stop = watchBestFix((best) => { fix = best; }, { timeoutMs: 60000 });
      stoppers.add(stop);
    }
    const files = [...input.files].slice(0, 9 - photos.length);
    input.value = '';
    status.textContent = t('正在处理 {n} 张照片…', { n: files.length });
    for (const file of files) {
      try {
        const photo = await preparePhoto(file);
        photos.push({ ...photo, id: crypto.randomUUID(), kind });
      } catch (error) {
        toast(errorText(error), { error: true });
      }
    }
    status.textContent = `${photos.length} ${t('照片')}`;
    thumbs.replaceChildren(...photos.map((p, i) => h('li', {},
      h('img', { src: URL.createObjectURL(new Blob([p.bytes], { type: p.type })), alt: `${t('照片')} ${i + 1}` }))));
  });
  const node = h('div', { class: 'field' },
    h('label', { class: 'camera small' }, '📷 ', t({ after: '拍整改照片', verification: '拍核查照片' }[kind] || '拍现场照片'), input),
    status, thumbs);
  return {
    node,
    photos: () => photos,
    fix: () => (fix ? { lat: fix.lat, lon: fix.lon, accuracy_m: Math.round(fix.accuracy * 10) / 10, located_at: fix.at } : null),
  };
}

/** Queue one action (exactly once by its action_id) and kick the uploader. */
export async function queueAction({ ticketId, action, body, title, photos = [], path = null, sync }) {
  const actionId = crypto.randomUUID();
  await enqueue({ id: actionId, kind: 'action', ticketId, action, path, body: { action_id: actionId, ...body },
                  summary: { title }, photos: photos.map((p) => ({ id: p.id, kind: p.kind, bytes: p.bytes, type: p.type,
                                                                   sha256: p.sha256 })) });
  requestBackgroundSync();
  sync?.();
  return actionId;
}

/** A key point's camera, declared flag, unit and cell in one line (names, not codes). */
export function pointMeta(point) {
  return [point.has_cctv ? `${t('监控')} ${point.camera_no || ''}`.trim() : null, point.declared ? t('申报点位') : null,
          point.bureau_name, point.cell_name].filter(Boolean).join(' · ');
}
