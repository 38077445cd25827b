// Sends the reports waiting on this phone: PUT the report under its UUID, then each photo the server still
// lacks, in order. Every PUT is a replay-safe retry (the server answers a repeat 200), so a lost reply costs
// a request, never a second report. One sender at a time across tabs (Web Locks); a failed try waits with
// backoff, and the network coming back (`online`) tries at once.
import { backoffMs } from './logic.js';
import * as store from './store.js';

const LOCK_NAME = 'gridpatrol-report-send';
const listeners = new Set();
let sending = null; // the id of the report on the wire, for the screen
let timer = null;

export const onChange = (fn) => { listeners.add(fn); return () => listeners.delete(fn); };
const emit = () => listeners.forEach((fn) => fn());
export const sendingNow = () => sending;

class SendError extends Error {
  constructor(status, code, message, messageEn = null, retryAfterS = null) {
    super(message);
    Object.assign(this, { status, code, messageEn, retryAfterS });
  }

  // Worth trying again: no network, a server or proxy failing, a captive portal, or the hourly limit.
  get transient() { return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500; }
}

async function put(path, body, contentType, fetchImpl) {
  let response;
  try {
    response = await fetchImpl(path, { method: 'PUT', body, cache: 'no-store',
                                       headers: { 'Content-Type': contentType, Accept: 'application/json' } });
  } catch (error) {
    throw new SendError(0, 'network', '网络不可用', 'no network');
  }
  let answer = null;
  try {
    if ((response.headers.get('content-type') || '').includes('application/json')) answer = await response.json();
  } catch {
    throw new SendError(0, 'network', '网络中断，未收到完整的回复', 'the connection broke mid-reply');
  }
  if (response.ok && answer) return answer;
  if (response.ok) throw new SendError(0, 'not_json', '服务器返回了非预期的内容', 'an unexpected answer');
  const error = answer?.error || {};
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new SendError(response.status, error.code || `http_${response.status}`, error.message || `HTTP ${response.status}`,
                      error.message_en || null, Number.isFinite(retryAfter) ? retryAfter : null);
}

/** One report, from where it stopped: the report itself, then the photos still missing. */
async function sendOne(item, fetchImpl) {
  const base = `/api/v1/public/reports/${item.id}`;
  let left = item.photosLeft;
  if (!item.trackingCode) {
    const receipt = await put(base, JSON.stringify(item.body), 'application/json', fetchImpl);
    left = left.filter((id) => receipt.photos_missing.includes(id));
    await store.update(item.id, { trackingCode: receipt.tracking_code, photosLeft: left, attempts: 0 });
    emit();
  }
  for (const photoId of left) {
    const photo = await store.photo(photoId);
    try {
      await put(`${base}/photos/${photoId}`, photo.bytes, photo.type, fetchImpl);
    } catch (error) {
      // Reviewed (rejected) before this photo arrived: the server wants no more of it.
      if (error.code !== 'report_decided') throw error;
    }
    left = left.filter((id) => id !== photoId);
    await store.update(item.id, { photosLeft: left, attempts: 0 });
    await store.dropPhoto(photoId);
    emit();
  }
  await store.markSent(item.id);
}

async function withLock(fn) {
  if (globalThis.navigator?.locks) {
    return navigator.locks.request(LOCK_NAME, { ifAvailable: true }, (lock) => (lock ? fn() : null));
  }
  if (withLock.held) return null; // no Web Locks: one sender in this page
  withLock.held = true;
  try { return await fn(); } finally { withLock.held = false; }
}

/** Try every report that is due (all of them with `force`). Then wake up when the next one is due. */
export async function drain({ force = false, fetchImpl = globalThis.fetch.bind(globalThis), now = Date.now } = {}) {
  clearTimeout(timer);
  await withLock(async () => {
    for (const item of await store.reports()) {
      if (item.state !== 'queued' || (!force && item.nextAt > now())) continue;
      sending = item.id;
      emit();
      try {
        await sendOne(await store.report(item.id), fetchImpl);
      } catch (error) {
        if (!(error instanceof SendError)) throw error;
        const current = await store.report(item.id);
        const attempts = (current.attempts || 0) + 1;
        const failure = { code: error.code, message: error.message, message_en: error.messageEn };
        await store.update(item.id, error.transient
          ? { attempts, nextAt: now() + backoffMs(attempts, error.retryAfterS), error: failure }
          : { state: 'failed', error: failure });
      } finally {
        sending = null;
        emit();
      }
    }
  });
  const waiting = (await store.reports()).filter((r) => r.state === 'queued');
  if (waiting.length) {
    const due = Math.min(...waiting.map((r) => r.nextAt || 0));
    timer = setTimeout(() => drain({ fetchImpl, now }), Math.max(250, due - now()));
  }
}

/** Send when the network returns, and whatever this phone still holds from an earlier visit. */
export function start() {
  window.addEventListener('online', () => drain({ force: true }));
  drain();
}
