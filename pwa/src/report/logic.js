// The public page's pure rules: what is sent, when to try again, where a hash leads. No DOM, no storage.

export const MAX_PHOTOS = 4;
export const MAX_DESCRIPTION = 500;
export const MAX_BACKOFF_MS = 60000;
// The server's own pattern for the optional phone number (api/citizens/models.py).
export const PHONE = /^\+?[0-9][0-9 -]{4,18}[0-9]$/;

/** Delay before the next try after `attempts` failures in a row: 1 s doubling, at most a minute (the
 * reporter is looking at the page), ±20 % jitter; a server's Retry-After (seconds) when it asks for longer. */
export function backoffMs(attempts, retryAfterS = null, random = Math.random) {
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.min(MAX_BACKOFF_MS, Math.round(base * (0.8 + 0.4 * random())));
  return Number.isFinite(retryAfterS) && retryAfterS > 0 ? Math.max(jittered, retryAfterS * 1000) : jittered;
}

/** What the form lacks before it can be sent, as text keys (empty: ready). */
export function problems({ photos, fix, category, description = '', phone = '' }) {
  const found = [];
  if (!photos.length) found.push('请至少添加一张照片');
  if (!fix) found.push('请先定位或在地图上选点');
  if (!category) found.push('请选择问题类型');
  if (description.length > MAX_DESCRIPTION) found.push('问题描述最多 500 字');
  if (phone.trim() && !PHONE.test(phone.trim())) found.push('电话号码格式不对');
  return found;
}

/** The body of PUT /api/v1/public/reports/{uuid}, frozen when the reporter taps 提交. */
export function reportBody({ photos, fix, category, description = '', phone = '', deviceId = null, now = new Date() }) {
  const body = {
    category,
    lat: fix.lat,
    lon: fix.lon,
    accuracy_m: Math.min(100000, Math.max(0, Math.round(fix.accuracy))),
    located_at: fix.at,
    created_at: now.toISOString(),
    description: description.trim(),
    photos: photos.map((p) => ({ id: p.id, sha256: p.sha256, content_type: p.type, size: p.size })),
  };
  if (phone.trim()) body.phone = phone.trim();
  if (deviceId) body.device_id = deviceId;
  return body;
}

/** The view a location hash names: the form, a report being sent (by its id), or a code's status page. */
export function route(hash) {
  const [, view = '', arg = ''] = /^#\/([a-z]+)(?:\/([^/?#]+))?/.exec(hash || '') || [];
  if (view === 'sent' && arg) return { view: 'sent', id: decodeURIComponent(arg) };
  if (view === 'status' && arg) return { view: 'status', code: normalCode(decodeURIComponent(arg)) };
  return { view: 'form' };
}

/** A tracking code as typed (lower case, spaces, a dash where it was printed grouped) in the server's form. */
export const normalCode = (text) => text.toUpperCase().replace(/[\s-]/g, '');

/** A code grouped for reading aloud and copying by eye: ABCDE FGHJK. */
export const groupedCode = (code) => code.replace(/(.{5})(?=.)/g, '$1 ');

/** How far off a tap on the map may be: ten screen pixels at this zoom and latitude, in metres (at least 5). */
export function tapAccuracyM(lat, zoom) {
  const metresPerPixel = (156543.03 * Math.cos((lat * Math.PI) / 180)) / 2 ** zoom;
  return Math.max(5, Math.round(10 * metresPerPixel));
}
