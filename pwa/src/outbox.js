// The outbox: captures, patrols and actions wait here until the server has acknowledged every part of them.
//
// Exactly once, with nothing lost: each item carries IDs made on the phone (the ticket's UUID, each
// photo's UUID, an action's action_id) and the server makes every retry harmless. An item leaves the
// outbox only after a 2xx for its last part; anything else keeps it, with the error, for a retry or
// for the inspector to see. One uploader at a time across tabs and the service worker (Web Locks).
import { db, getToken } from './db.js';
import { ApiError, readJson } from './api.js';

export const LOCK_NAME = 'gridpatrol-outbox';
export const MAX_BACKOFF_MS = 5 * 60 * 1000;
const RESERVE_BYTES = 10 * 1024 * 1024; // leave room for the app itself and IndexedDB overhead

const listeners = new Set();
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('gridpatrol-outbox') : null;
channel?.addEventListener('message', (event) => listeners.forEach((fn) => fn(event.data)));

/** Calls fn({type, ...}) on every change here or in another tab. Returns an unsubscribe function. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(message) {
  listeners.forEach((fn) => fn(message));
  channel?.postMessage(message);
}

export class StorageFullError extends Error {
  constructor(needed, free) {
    super('手机存储空间不足：还需 {needed}，仅剩 {free}。请先联网发送或导出未发送的工单。'); // an i18n key
    this.code = 'storage_full';
    this.values = { needed: mb(needed), free: mb(free) };
  }
}

const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

/** Delay before the next try after `attempts` failures: 2 s doubling, capped at 5 minutes, ±20 % jitter
 * so a room full of phones coming back online does not retry in lockstep. */
export function backoffMs(attempts, random = Math.random) {
  const base = Math.min(MAX_BACKOFF_MS, 2000 * 2 ** Math.max(0, attempts - 1));
  return Math.min(MAX_BACKOFF_MS, Math.round(base * (0.8 + 0.4 * random())));
}

async function ensureRoom(bytes) {
  const estimate = await globalThis.navigator?.storage?.estimate?.();
  if (!estimate?.quota) return;
  const free = estimate.quota - (estimate.usage || 0);
  if (free - bytes < RESERVE_BYTES) throw new StorageFullError(bytes + RESERVE_BYTES, free);
}

/**
 * Queue an item with its photos, in one transaction: either all of it is stored or none.
 * kind 'ticket': body is the capture JSON (PUT /api/v1/tickets/{id}); photos are its `before` photos.
 * kind 'action': body carries action_id (POST /api/v1/tickets/{ticketId}/actions/{action}, or `path`
 * such as a spot check's result); its photos (kind `after` or `spotcheck`) are uploaded first.
 * kind 'patrol': body is the patrol (PUT /api/v1/patrols/{id}); `tickets` [{id, body}] are the problems
 * it found, each PUT like a capture; photos of kind `patrol` are its overview photos, the others name
 * their ticket (`ticketId`) and are that ticket's `before` photos.
 */
export async function enqueue({ id, kind, body, ticketId = id, action = null, path = null, summary = {}, photos = [],
                                tickets = [] }) {
  await ensureRoom(photos.reduce((sum, p) => sum + p.bytes.byteLength, 0));
  const now = Date.now();
  const item = { id, kind, body, ticketId, action, path, summary, photoIds: photos.map((p) => p.id), queuedAt: now,
                 state: 'queued', attempts: 0, lastError: null, nextAttemptAt: 0, headSent: false,
                 tickets: tickets.map((ticket) => ({ id: ticket.id, body: ticket.body, headSent: false, lastError: null })) };
  const tx = (await db()).transaction(['outbox', 'photos'], 'readwrite');
  if (await tx.objectStore('outbox').get(id)) throw new Error(`outbox already holds ${id}`);
  tx.objectStore('outbox').add(item);
  for (const photo of photos) {
    tx.objectStore('photos').add({ id: photo.id, itemId: id, ticketId: photo.ticketId ?? null, kind: photo.kind || 'before',
                                   bytes: photo.bytes, type: photo.type, sha256: photo.sha256,
                                   size: photo.bytes.byteLength, state: 'queued', attempts: 0, lastError: null });
  }
  await tx.done;
  emit({ type: 'queued', id });
  return item;
}

export async function items() {
  return (await db()).getAllFromIndex('outbox', 'by_queued');
}

export async function photosOf(itemId) {
  return (await db()).getAllFromIndex('photos', 'by_item', itemId);
}

export async function unsentCount() {
  return (await db()).count('outbox');
}

async function update(id, changes) {
  const tx = (await db()).transaction('outbox', 'readwrite');
  const item = await tx.store.get(id);
  if (item) await tx.store.put({ ...item, ...changes });
  await tx.done;
  return item && { ...item, ...changes };
}

// One of a patrol's tickets, inside its item (read and written in one transaction).
async function updateTicket(itemId, ticketId, changes) {
  const tx = (await db()).transaction('outbox', 'readwrite');
  const item = await tx.store.get(itemId);
  if (item) {
    await tx.store.put({ ...item, tickets: item.tickets.map((ticket) => (ticket.id === ticketId ? { ...ticket, ...changes } : ticket)) });
  }
  await tx.done;
}

async function updatePhoto(id, changes) {
  const tx = (await db()).transaction('photos', 'readwrite');
  const photo = await tx.store.get(id);
  if (photo) await tx.store.put({ ...photo, ...changes });
  await tx.done;
}

/** Remove an item the server has fully acknowledged, or one the inspector chose to discard. */
async function remove(id) {
  const tx = (await db()).transaction(['outbox', 'photos'], 'readwrite');
  tx.objectStore('outbox').delete(id);
  for (const key of await tx.objectStore('photos').index('by_item').getAllKeys(id)) {
    tx.objectStore('photos').delete(key);
  }
  await tx.done;
}

/** The inspector gives up on an item the server refused (a conflict, a rejected action). */
export async function discard(id) {
  await remove(id);
  emit({ type: 'discarded', id });
}

/** Put a failed or conflicting item back in line now. */
export async function retry(id) {
  await update(id, { state: 'queued', nextAttemptAt: 0 });
  emit({ type: 'retry', id });
}

async function withLock(fn) {
  if (globalThis.navigator?.locks) {
    return navigator.locks.request(LOCK_NAME, { ifAvailable: true }, (lock) => (lock ? fn() : { busy: true }));
  }
  if (withLock.held) return { busy: true }; // no Web Locks (tests, old browsers): one uploader per context
  withLock.held = true;
  try { return await fn(); } finally { withLock.held = false; }
}

async function sendJson(method, path, body, token) {
  const response = await fetchOrFail(path, {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return readJson(response);
}

function sendHead(item, token) {
  if (item.kind === 'ticket') return sendJson('PUT', `/api/v1/tickets/${item.id}`, item.body, token);
  if (item.kind === 'patrol') return sendJson('PUT', `/api/v1/patrols/${item.id}`, item.body, token);
  return sendJson('POST', item.path || `/api/v1/tickets/${item.ticketId}/actions/${item.action}`, item.body, token);
}

// Photos declared in their ticket's or patrol's body; the others come with their own hash.
const DECLARED = new Set(['before', 'patrol']);

async function sendPhoto(item, photo, token) {
  const headers = { 'Content-Type': photo.type, Accept: 'application/json', Authorization: `Bearer ${token}` };
  let query = '';
  if (!DECLARED.has(photo.kind)) {
    // Undeclared photos announce their hash in the standard header (RFC 9530); the server checks it.
    headers['Content-Digest'] = `sha-256=:${hexToBase64(photo.sha256)}:`;
    query = `?kind=${photo.kind}`;
  }
  const owner = photo.kind === 'patrol' ? `/api/v1/patrols/${item.id}` : `/api/v1/tickets/${photo.ticketId || item.ticketId}`;
  const response = await fetchOrFail(`${owner}/photos/${photo.id}${query}`, { method: 'PUT', headers, body: photo.bytes });
  return readJson(response);
}

// A stalled upload must not hold the lock forever: 30 s plus time for the body at a slow 20 KB/s.
const timeoutFor = (body) => 30000 + Math.ceil(((body?.byteLength ?? body?.length ?? 0) / 20480) * 1000);

async function fetchOrFail(path, init) {
  try {
    return await fetch(path, { ...init, cache: 'no-store', signal: AbortSignal.timeout(timeoutFor(init.body)) });
  } catch (error) {
    throw new ApiError(0, 'network', '网络不可用', { cause: String(error) });
  }
}

export function hexToBase64(hex) {
  let binary = '';
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}

/**
 * An item's requests in the order they are sent, each { done, photo } or { done, ticket } or { done }
 * (the item's own request). A ticket goes before its photos; an action after them (it names them); a
 * patrol first, so that a refused patrol has sent nothing else, then its overview photos, then each
 * ticket it raised with its photos.
 */
function partsOf(item, photos) {
  const own = { done: Boolean(item.headSent) };
  const photosOfTicket = (ticketId) => photos.filter((p) => (p.ticketId || null) === ticketId)
    .map((photo) => ({ done: photo.state === 'sent', photo }));
  if (item.kind === 'action') return [...photosOfTicket(null), own];
  if (item.kind === 'ticket') return [own, ...photosOfTicket(null)];
  return [own, ...photosOfTicket(null),
          ...(item.tickets || []).flatMap((ticket) => [{ done: ticket.headSent, ticket }, ...photosOfTicket(ticket.id)])];
}

async function sortedPhotos(item) {
  const order = new Map(item.photoIds.map((id, index) => [id, index]));
  return (await photosOf(item.id)).sort((a, b) => order.get(a.id) - order.get(b.id));
}

/** How far an item has got, from what is stored: { done, total } requests acknowledged. */
export async function progressOf(item) {
  const parts = partsOf(item, await sortedPhotos(item));
  return { done: parts.filter((part) => part.done).length, total: parts.length };
}

/** Send one item, part by part, resuming where an earlier try stopped. */
async function sendItem(item, token) {
  const parts = partsOf(item, await sortedPhotos(item));
  const total = parts.length;
  let done = parts.filter((part) => part.done).length;
  let failing = item.attempts > 0;
  emit({ type: 'progress', id: item.id, done, total });
  for (const part of parts) {
    if (part.done) continue;
    if (part.photo) {
      const { photo } = part;
      try {
        await sendPhoto(item, photo, token);
      } catch (error) {
        await updatePhoto(photo.id, { attempts: photo.attempts + 1, lastError: describe(error) });
        throw error;
      }
      // The server has the bytes: keep the record (for progress) but free the space now.
      await updatePhoto(photo.id, { state: 'sent', bytes: null });
    } else if (part.ticket) {
      try {
        await sendJson('PUT', `/api/v1/tickets/${part.ticket.id}`, part.ticket.body, token);
      } catch (error) {
        await updateTicket(item.id, part.ticket.id, { lastError: describe(error) });
        throw error;
      }
      await updateTicket(item.id, part.ticket.id, { headSent: true, lastError: null });
    } else {
      const reply = await sendHead(item, token);
      await update(item.id, { headSent: true, ...(item.kind === 'ticket' ? { serverStatus: reply.status } : {}) });
    }
    // Attempts count consecutive failures: any part getting through resets the backoff.
    if (failing) {
      failing = false;
      await update(item.id, { attempts: 0, nextAttemptAt: 0 });
    }
    emit({ type: 'progress', id: item.id, done: ++done, total });
  }
  await remove(item.id);
  emit({ type: 'sent', id: item.id });
}

// What errorText needs to say it again later, in either language.
const describe = (error) => ({ status: error.status ?? 0, code: error.code || 'error', message: error.message,
                               message_en: error.detail?.message_en, values: error.values });

/**
 * Send everything that is due (or everything, with force). Returns a summary. Never throws for a
 * failed item: the failure is recorded on it. Stops early when the network or the login is gone.
 */
export async function drain({ force = false, now = Date.now } = {}) {
  return withLock(async () => {
    const token = await getToken();
    const summary = { sent: 0, failed: 0, waiting: 0, authLost: false, offline: false };
    if (!token) return { ...summary, authLost: true };
    for (const item of await items()) {
      if (item.state === 'conflict' || item.state === 'failed') { summary.failed++; continue; }
      if (!force && item.nextAttemptAt > now()) { summary.waiting++; continue; }
      await update(item.id, { state: 'sending' });
      try {
        await sendItem(item, token);
        summary.sent++;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 401) {
          await update(item.id, { state: 'queued', lastError: describe(error) });
          summary.authLost = true;
          break;
        }
        const current = (await (await db()).get('outbox', item.id)) || item; // progress may have reset it
        const attempts = current.attempts + 1;
        if (error.transient) {
          await update(item.id, { state: 'queued', attempts, lastError: describe(error),
                                  nextAttemptAt: now() + backoffMs(attempts) });
          summary.waiting++;
          if (error.status === 0) { summary.offline = true; break; } // nothing else will get through either
        } else {
          // A refusal (409 conflict, 422 invalid…): retrying the same bytes cannot help; show it.
          const state = error.status === 409 && error.code.endsWith('conflict') ? 'conflict' : 'failed';
          await update(item.id, { state, attempts, lastError: describe(error) });
          summary.failed++;
        }
      } finally {
        emit({ type: 'changed', id: item.id });
      }
    }
    return summary;
  });
}

/** When the next try is due (ms since epoch), or null when nothing waits on a timer. */
export async function nextDue() {
  const waiting = (await items()).filter((item) => item.state === 'queued' || item.state === 'sending');
  return waiting.length ? Math.min(...waiting.map((item) => item.nextAttemptAt)) : null;
}
