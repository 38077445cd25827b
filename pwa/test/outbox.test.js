// The outbox against a real IndexedDB implementation (fake-indexeddb) and a scripted server.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { backoffMs, drain, enqueue, hexToBase64, items, MAX_BACKOFF_MS, photosOf, progressOf, retry, discard, StorageFullError } from '../src/outbox.js';
import { kvSet, wipe } from '../src/db.js';
import { sha256Hex } from '../src/photo.js';

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** A scripted server: each call is logged; `script(method, path, n)` may answer or throw. */
function server(script = () => undefined) {
  const calls = [];
  const fetch = vi.fn(async (path, init) => {
    calls.push({ path, method: init.method, headers: init.headers, body: init.body });
    const scripted = await script(init.method, path, calls.length);
    if (scripted) return scripted;
    return json(init.method === 'PUT' ? 201 : 200, { status: 'dispatched' });
  });
  vi.stubGlobal('fetch', fetch);
  return calls;
}

async function queueTicket(id = crypto.randomUUID(), photoCount = 2) {
  const photos = [];
  for (let i = 0; i < photoCount; i++) {
    const bytes = new TextEncoder().encode(`photo ${id} ${i}`).buffer;
    photos.push({ id: crypto.randomUUID(), bytes, type: 'image/jpeg', sha256: await sha256Hex(bytes) });
  }
  await enqueue({ id, kind: 'ticket', body: { category: '0506', photos: photos.map((p) => ({ id: p.id })) }, photos });
  return { id, photos };
}

async function fakePhoto(label, extra = {}) {
  const bytes = new TextEncoder().encode(`photo ${label}`).buffer;
  return { id: crypto.randomUUID(), bytes, type: 'image/jpeg', sha256: await sha256Hex(bytes), ...extra };
}

/** A patrol of a farmers' market with FM01 and FM02 failed (one photo each) and one overview photo. */
async function queuePatrol() {
  const id = crypto.randomUUID();
  const tickets = [];
  const photos = [await fakePhoto('overview', { kind: 'patrol' })];
  for (const code of ['FM01', 'FM02']) {
    const ticketId = crypto.randomUUID();
    const photo = await fakePhoto(code, { ticketId });
    photos.push(photo);
    tickets.push({ id: ticketId, body: { category: '0601', key_point_id: 5, patrol_id: id, checklist_item: code,
                                         photos: [{ id: photo.id, sha256: photo.sha256, content_type: 'image/jpeg' }] } });
  }
  const body = { key_point_id: 5, checklist_version: 1,
                 items: [{ code: 'FM01', result: 'fail', ticket_id: tickets[0].id }, { code: 'FM02', result: 'fail', ticket_id: tickets[1].id },
                         { code: 'FM03', result: 'pass', ticket_id: null }],
                 photos: [{ id: photos[0].id, sha256: photos[0].sha256, content_type: 'image/jpeg' }] };
  await enqueue({ id, kind: 'patrol', body, tickets, photos, summary: { pointName: '城东农贸市场' } });
  const [overview, first, second] = photos;
  return { id, body, tickets, overview, first, second,
           expected: [`PUT /api/v1/patrols/${id}`, `PUT /api/v1/patrols/${id}/photos/${overview.id}`,
                      `PUT /api/v1/tickets/${tickets[0].id}`, `PUT /api/v1/tickets/${tickets[0].id}/photos/${first.id}`,
                      `PUT /api/v1/tickets/${tickets[1].id}`, `PUT /api/v1/tickets/${tickets[1].id}/photos/${second.id}`] };
}

beforeEach(async () => {
  globalThis.indexedDB = new IDBFactory();
  await kvSet('auth', { token: 'device-token' });
});
afterEach(async () => {
  vi.unstubAllGlobals();
  await wipe();
});

describe('enqueue', () => {
  it('stores the item and its photo bytes together, frozen', async () => {
    const { id, photos } = await queueTicket();
    const [item] = await items();
    expect(item).toMatchObject({ id, kind: 'ticket', state: 'queued', attempts: 0, photoIds: photos.map((p) => p.id) });
    const stored = await photosOf(id);
    expect(stored).toHaveLength(2);
    for (const photo of stored) expect(await sha256Hex(photo.bytes)).toBe(photo.sha256);
  });

  it('refuses a second item under the same id and keeps the first', async () => {
    const { id } = await queueTicket();
    await expect(queueTicket(id)).rejects.toThrow();
    expect(await items()).toHaveLength(1);
    expect(await photosOf(id)).toHaveLength(2);
  });

  it('refuses a capture that would fill the storage, storing nothing', async () => {
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ quota: 12 * 1048576, usage: 2 * 1048576 }) } });
    await expect(queueTicket()).rejects.toBeInstanceOf(StorageFullError);
    expect(await items()).toHaveLength(0);
  });
});

describe('drain', () => {
  it('sends the ticket, then each photo with its bytes, then removes the item', async () => {
    const calls = server();
    const { id, photos } = await queueTicket();
    const summary = await drain();
    expect(summary).toMatchObject({ sent: 1, failed: 0 });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `PUT /api/v1/tickets/${id}`, ...photos.map((p) => `PUT /api/v1/tickets/${id}/photos/${p.id}`)]);
    expect(calls[0].headers.Authorization).toBe('Bearer device-token');
    expect(new Uint8Array(calls[1].body)).toEqual(new Uint8Array(photos[0].bytes));
    expect(await items()).toHaveLength(0);
  });

  it('keeps everything when offline and resumes photo by photo', async () => {
    let offline = false;
    let cutOnce = false;
    const calls = server((method, path) => {
      if (offline) throw new TypeError('Failed to fetch');
      if (path.endsWith('/photos/' + second) && !cutOnce) { cutOnce = offline = true; throw new TypeError('Failed to fetch'); }
      return undefined;
    });
    const { id, photos } = await queueTicket();
    const second = photos[1].id;
    const summary = await drain();
    expect(summary).toMatchObject({ sent: 0, offline: true });
    const [item] = await items();
    expect(item).toMatchObject({ id, state: 'queued', attempts: 1, headSent: true });
    expect(item.lastError.code).toBe('network');
    expect(item.nextAttemptAt).toBeGreaterThan(Date.now());
    const stored = await photosOf(id);
    const first = stored.find((p) => p.id === photos[0].id);
    const pending = stored.find((p) => p.id === second);
    expect(first).toMatchObject({ state: 'sent', bytes: null });
    expect(pending).toMatchObject({ state: 'queued', attempts: 1 });

    // Not due yet: a plain drain waits; "send now" goes; only the missing photo is sent again.
    offline = false;
    expect(await drain()).toMatchObject({ sent: 0, waiting: 1 });
    calls.length = 0;
    expect(await drain({ force: true })).toMatchObject({ sent: 1 });
    expect(calls.map((c) => c.path)).toEqual([`/api/v1/tickets/${id}/photos/${second}`]);
    expect(await items()).toHaveLength(0);
  });

  it('treats a captive portal page and a 5xx as failures, not successes', async () => {
    let reply = () => new Response('<html>请登录 Wi-Fi</html>', { status: 200, headers: { 'Content-Type': 'text/html' } });
    server(() => reply());
    await queueTicket();
    expect(await drain()).toMatchObject({ sent: 0, offline: true });
    let [item] = await items();
    expect(item).toMatchObject({ state: 'queued', headSent: false });
    expect(item.lastError.code).toBe('not_json');

    reply = () => json(503, { error: { code: 'unavailable', message: '维护中' } });
    expect(await drain({ force: true })).toMatchObject({ sent: 0, waiting: 1, offline: false });
    [item] = await items();
    expect(item).toMatchObject({ state: 'queued', attempts: 2 });
    expect(item.lastError).toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('counts a reply cut off mid-body as a network failure and retries it', async () => {
    server(() => new Response('{"id": "abc", "stat', { status: 201, headers: { 'Content-Type': 'application/json' } }));
    await queueTicket();
    expect(await drain()).toMatchObject({ sent: 0, offline: true });
    const [item] = await items();
    expect(item).toMatchObject({ state: 'queued', attempts: 1, headSent: false });
    expect(item.lastError.code).toBe('network');
  });

  it('surfaces a 409 conflict and never drops the item', async () => {
    server((method) => (method === 'PUT' ? json(409, { error: { code: 'ticket_conflict', message: '工单编号已被不同内容使用' } }) : undefined));
    const { id } = await queueTicket();
    expect(await drain({ force: true })).toMatchObject({ sent: 0, failed: 1 });
    let [item] = await items();
    expect(item).toMatchObject({ id, state: 'conflict' });
    expect(await drain({ force: true })).toMatchObject({ failed: 1 }); // not retried on its own
    await retry(id);
    [item] = await items();
    expect(item.state).toBe('queued');
    await discard(id);
    expect(await items()).toHaveLength(0);
    expect(await photosOf(id)).toHaveLength(0);
  });

  it('stops at a revoked login and keeps the item queued', async () => {
    const calls = server(() => json(401, { error: { code: 'not_authenticated', message: '请登录' } }));
    await queueTicket();
    await queueTicket();
    expect(await drain()).toMatchObject({ authLost: true, sent: 0 });
    expect(calls).toHaveLength(1);
    expect((await items()).every((item) => item.state === 'queued' && item.attempts === 0)).toBe(true);
  });

  it('uploads an action\'s photos with a Content-Digest, then posts the action', async () => {
    const calls = server();
    const bytes = new TextEncoder().encode('after photo').buffer;
    const sha = await sha256Hex(bytes);
    const actionId = crypto.randomUUID();
    const ticketId = crypto.randomUUID();
    const photoId = crypto.randomUUID();
    await enqueue({ id: actionId, kind: 'action', ticketId, action: 'rectify',
                    body: { action_id: actionId, note: '已清理', photo_ids: [photoId] },
                    photos: [{ id: photoId, kind: 'after', bytes, type: 'image/jpeg', sha256: sha }] });
    expect(await drain()).toMatchObject({ sent: 1 });
    expect(calls[0].path).toBe(`/api/v1/tickets/${ticketId}/photos/${photoId}?kind=after`);
    expect(calls[0].headers['Content-Digest']).toBe(`sha-256=:${hexToBase64(sha)}:`);
    expect(calls[1]).toMatchObject({ method: 'POST', path: `/api/v1/tickets/${ticketId}/actions/rectify` });
    expect(JSON.parse(calls[1].body)).toEqual({ action_id: actionId, note: '已清理', photo_ids: [photoId] });
  });

  it('lets only one drain run at a time', async () => {
    let release;
    const gate = new Promise((resolve) => { release = resolve; });
    const calls = server(async () => { await gate; return undefined; });
    await queueTicket(undefined, 1);
    const first = drain();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await drain()).toEqual({ busy: true });
    release();
    expect(await first).toMatchObject({ sent: 1 });
    expect(calls).toHaveLength(2);
  });
});

describe('patrol', () => {
  it('sends the patrol, its overview photo, then each ticket and its photo, exactly once, then removes it', async () => {
    const calls = server();
    const patrol = await queuePatrol();
    expect(await progressOf((await items())[0])).toEqual({ done: 0, total: 6 });
    expect(await drain()).toMatchObject({ sent: 1, failed: 0 });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(patrol.expected);
    expect(JSON.parse(calls[0].body)).toEqual(patrol.body);
    expect(JSON.parse(calls[2].body)).toEqual(patrol.tickets[0].body);
    expect(JSON.parse(calls[4].body)).toEqual(patrol.tickets[1].body);
    // Declared photos: the bytes with their declared type, no digest, no kind.
    for (const [call, photo] of [[calls[1], patrol.overview], [calls[3], patrol.first], [calls[5], patrol.second]]) {
      expect(call.headers['Content-Type']).toBe('image/jpeg');
      expect(call.headers['Content-Digest']).toBeUndefined();
      expect(new Uint8Array(call.body)).toEqual(new Uint8Array(photo.bytes));
    }
    expect(await items()).toHaveLength(0);
    expect(await photosOf(patrol.id)).toHaveLength(0);
  });

  it('resumes after a network failure mid-way without sending acknowledged parts again', async () => {
    let offline = false;
    let cutOnce = false;
    const calls = server((method, path) => {
      if (path === `/api/v1/tickets/${second}` && !cutOnce) cutOnce = offline = true;
      if (offline) throw new TypeError('Failed to fetch');
      return undefined;
    });
    const patrol = await queuePatrol();
    const second = patrol.tickets[1].id;
    expect(await drain()).toMatchObject({ sent: 0, offline: true });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(patrol.expected.slice(0, 5));
    const [item] = await items();
    expect(item).toMatchObject({ state: 'queued', attempts: 1, headSent: true });
    expect(item.tickets.map((t) => t.headSent)).toEqual([true, false]);
    expect(item.tickets[1].lastError.code).toBe('network');
    expect(await progressOf(item)).toEqual({ done: 4, total: 6 });
    const stored = await photosOf(patrol.id);
    expect(stored.find((p) => p.id === patrol.first.id)).toMatchObject({ state: 'sent', bytes: null });
    expect(stored.find((p) => p.id === patrol.second.id)).toMatchObject({ state: 'queued' });

    offline = false;
    calls.length = 0;
    expect(await drain({ force: true })).toMatchObject({ sent: 1 });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(patrol.expected.slice(4));
    expect(await items()).toHaveLength(0);
  });

  it('stays in the outbox until the last part is acknowledged', async () => {
    let reply = () => json(503, { error: { code: 'unavailable', message: '维护中' } });
    const calls = server((method, path) => (path.endsWith(`/photos/${last}`) ? reply() : undefined));
    const patrol = await queuePatrol();
    const last = patrol.second.id;
    expect(await drain()).toMatchObject({ sent: 0, waiting: 1 });
    let [item] = await items();
    expect(item).toMatchObject({ id: patrol.id, state: 'queued', attempts: 1 });
    expect(item.tickets.every((t) => t.headSent)).toBe(true);
    expect((await photosOf(patrol.id)).find((p) => p.id === last)).toMatchObject({ state: 'queued', attempts: 1 });

    reply = () => new Response('<html>请登录 Wi-Fi</html>', { status: 200, headers: { 'Content-Type': 'text/html' } });
    expect(await drain({ force: true })).toMatchObject({ sent: 0 });
    [item] = await items();
    expect(item).toMatchObject({ state: 'queued', attempts: 2 });

    reply = () => undefined;
    expect(await drain({ force: true })).toMatchObject({ sent: 1 });
    expect(await items()).toHaveLength(0);
    const acknowledged = calls.filter((c) => !c.path.endsWith(`/photos/${last}`)).map((c) => c.path);
    expect(acknowledged).toEqual(patrol.expected.slice(0, 5).map((e) => e.split(' ')[1])); // each once
  });

  it('holds a patrol whose ticket conflicts, without touching the rest', async () => {
    const calls = server((method, path) => (path === `/api/v1/tickets/${first}`
      ? json(409, { error: { code: 'ticket_conflict', message: '工单编号已被不同内容使用' } }) : undefined));
    const patrol = await queuePatrol();
    const first = patrol.tickets[0].id;
    expect(await drain()).toMatchObject({ failed: 1 });
    const [item] = await items();
    expect(item).toMatchObject({ state: 'conflict', headSent: true });
    expect(item.tickets[0].lastError).toMatchObject({ status: 409, code: 'ticket_conflict' });
    expect(calls).toHaveLength(3);
  });
});

describe('backoff', () => {
  it('doubles from 2 s and is capped at 5 minutes', () => {
    const mid = () => 0.5;
    expect(backoffMs(1, mid)).toBe(2000);
    expect(backoffMs(2, mid)).toBe(4000);
    expect(backoffMs(5, mid)).toBe(32000);
    expect(backoffMs(30, () => 1)).toBe(MAX_BACKOFF_MS);
    expect(backoffMs(3, () => 0)).toBe(6400);
  });
});
