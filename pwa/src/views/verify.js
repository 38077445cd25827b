// The verification queue (核查销号) for supervisors: before and after photos side by side at the same
// scale, how far apart and how long apart they were taken, the integrity flags in plain words, and
// pass / fail (a failure needs a reason) — queued offline like everything else.
import { api, imageUrl } from '../api.js';
import { h, formatTime } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { distanceM } from '../geo.js';
import { distanceText } from '../place.js';
import { photoFlags, split, ticketRow } from './parts.js';
import { ticketDetail, zoom } from './ticket.js';

function photoCell(photo, label) {
  const img = h('img', { alt: label });
  if (photo?.urls.display) {
    imageUrl(photo.urls.display).then((url) => { img.src = url; })
      .catch((error) => { if (error.status === 404) img.alt += t('（无预览）'); });
  }
  return h('figure', { class: 'side' }, h('figcaption', {}, label),
    h('button', { type: 'button', class: 'zoom', 'aria-label': `${t('放大')} ${label}`, onclick: () => zoom(img) }, img),
    photoFlags(photo));
}

/** Where and when the after-photo was taken relative to the report: EXIF GPS/time when present,
 * else the rectification's own GPS fix and time. */
function comparison(ticket) {
  const before = ticket.photos.find((p) => p.kind === 'before');
  const after = ticket.photos.filter((p) => p.kind === 'after').at(-1);
  const rectified = (ticket.events || []).filter((e) => e.action === 'rectify').at(-1);
  const at = after?.exif?.gps_lat != null ? { lat: after.exif.gps_lat, lon: after.exif.gps_lon }
    : rectified?.payload?.location ?? null;
  const metres = at ? distanceM(ticket.location.lat, ticket.location.lon, at.lat, at.lon) : null;
  const hours = rectified ? (Date.parse(rectified.at) - Date.parse(ticket.captured_at)) / 3600000 : null;
  return { before, after, metres, hours };
}

/** The before / after pair for ticketDetail, shown in place of those two photos in the galleries. */
function comparePhotos(ticket) {
  const { before, after, metres, hours } = comparison(ticket);
  const node = h('div', { class: 'compare', id: 'compare' },
    h('div', { class: 'pair' }, photoCell(before, t('问题照片')), photoCell(after, t('整改照片'))),
    h('p', { class: 'meta' },
      `${t('两次拍摄相距')} ${metres === null ? t('未知') : distanceText(metres)} · `
      + `${t('相隔')} ${hours === null ? t('未知') : `${hours.toFixed(1)} h`} · ${formatTime(ticket.captured_at)} → `
      + `${formatTime((ticket.events || []).filter((e) => e.action === 'rectify').at(-1)?.at)}`));
  return { node, photoIds: [before?.id, after?.id].filter(Boolean) };
}

export async function render({ user, params, sync, rerender }) {
  const list = h('section', {}, h('h2', {}, t('核查')));
  let queue = [];
  try {
    queue = (await api('/api/v1/queues/verification?limit=100')).items;
    list.append(queue.length ? h('ul', { class: 'tickets' }, ...queue.map((tk) => ticketRow(tk, `#/verify/${tk.id}`)))
      : h('p', { class: 'empty' }, t('暂无工单')));
  } catch (error) {
    list.append(h('p', { class: 'error', role: 'alert' }, errorText(error)));
  }
  const detail = params[0]
    ? await ticketDetail(params[0], { user, sync, rerender, compare: comparePhotos,
                                      back: h('a', { href: '#/verify', class: 'back' }, `‹ ${t('返回')}`) })
    : null;
  return split(list, detail, t('选择一张工单'));
}
