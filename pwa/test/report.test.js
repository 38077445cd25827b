// The 随手拍 page's rules and its sender, against a real IndexedDB implementation (fake-indexeddb) and a
// scripted server; and its own text table, checked the way test/i18n.test.js checks the staff app's.
import 'fake-indexeddb/auto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAst } from 'rollup/parseAst';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { backoffMs, groupedCode, MAX_BACKOFF_MS, normalCode, problems, reportBody, route, tapAccuracyM } from '../src/report/logic.js';
import * as store from '../src/report/store.js';
import { drain } from '../src/report/send.js';

const json = (status, body, headers = {}) => new Response(JSON.stringify(body), {
  status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('backoffMs', () => {
  it('doubles from a second, with jitter, up to a minute', () => {
    expect(backoffMs(1, null, () => 0.5)).toBe(1000);
    expect(backoffMs(3, null, () => 0.5)).toBe(4000);
    expect(backoffMs(2, null, () => 0)).toBe(1600);
    expect(backoffMs(30, null, () => 1)).toBe(MAX_BACKOFF_MS);
  });

  it("waits at least as long as the server's Retry-After", () => {
    expect(backoffMs(1, 120, () => 0.5)).toBe(120000);
    expect(backoffMs(8, 1, () => 0.5)).toBe(MAX_BACKOFF_MS);
  });
});

describe('the form', () => {
  const photo = { id: 'p1', sha256: 'ab'.repeat(32), type: 'image/jpeg', size: 1234, bytes: new ArrayBuffer(4), url: 'blob:x' };
  const fix = { lat: 28.9, lon: 120.0, accuracy: 12.4, at: '2026-12-08T01:00:00.000Z', source: 'gps' };

  it('names what is missing, and a phone number the server would refuse', () => {
    expect(problems({ photos: [], fix: null, category: null })).toEqual(
      ['请至少添加一张照片', '请先定位或在地图上选点', '请选择问题类型']);
    expect(problems({ photos: [photo], fix, category: '0506', phone: '12a45' })).toEqual(['电话号码格式不对']);
    expect(problems({ photos: [photo], fix, category: '0506', phone: '+86 138-0013-8000', description: 'x'.repeat(500) })).toEqual([]);
  });

  it('freezes the body the server takes: declared photos, no empty phone, the device id', () => {
    const body = reportBody({ photos: [photo], fix, category: '0506', description: '  三辆车  ', phone: ' ',
                              deviceId: 'dev-12345678', now: new Date('2026-12-08T01:02:00Z') });
    expect(body).toEqual({ category: '0506', lat: 28.9, lon: 120.0, accuracy_m: 12, located_at: fix.at,
                           created_at: '2026-12-08T01:02:00.000Z', description: '三辆车', device_id: 'dev-12345678',
                           photos: [{ id: 'p1', sha256: photo.sha256, content_type: 'image/jpeg', size: 1234 }] });
    expect(reportBody({ photos: [photo], fix, category: '0506', phone: '13800138000' }).phone).toBe('13800138000');
  });

  it('estimates a tap on the map from the zoom', () => {
    expect(tapAccuracyM(28.9, 18)).toBe(5);
    expect(tapAccuracyM(28.9, 14)).toBe(84);
  });
});

describe('routes and codes', () => {
  it('leads a hash to its view', () => {
    expect(route('')).toEqual({ view: 'form' });
    expect(route('#/whatever')).toEqual({ view: 'form' });
    expect(route('#/sent/5b1c')).toEqual({ view: 'sent', id: '5b1c' });
    expect(route('#/status/abcde-fghjk')).toEqual({ view: 'status', code: 'ABCDEFGHJK' });
  });

  it('groups a code for reading and takes it back as typed', () => {
    expect(groupedCode('ABCDEFGHJK')).toBe('ABCDE FGHJK');
    expect(normalCode(' abcde fghjk ')).toBe('ABCDEFGHJK');
  });
});

describe('sending', () => {
  const base = (id) => `/api/v1/public/reports/${id}`;

  /** A report of two photos kept on the phone, as 提交 keeps it. */
  async function queued() {
    const id = crypto.randomUUID();
    const photos = [crypto.randomUUID(), crypto.randomUUID()];
    await store.keep({ id, state: 'queued', queuedAt: new Date().toISOString(), attempts: 0, nextAt: 0,
                       body: { category: '0506', phone: '13800138000' }, photosLeft: photos, categoryName: ['乱停车', 'Parking'] },
                     photos.map((p) => ({ id: p, reportId: id, type: 'image/jpeg', bytes: new TextEncoder().encode(p).buffer })));
    return { id, photos };
  }

  /** A scripted server: `answer(method, path, n)` answers or throws; every call is logged. */
  function server(answer) {
    const calls = [];
    const fetchImpl = vi.fn(async (url, init) => {
      calls.push(`${init.method} ${url}`);
      return answer(init.method, url, calls.length);
    });
    return { calls, fetchImpl };
  }

  afterEach(async () => {
    vi.clearAllTimers();
    for (const item of await store.reports()) await store.discard(item.id);
  });

  beforeAll(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); }); // no retry of its own

  it('sends the report, then each photo, and keeps only the code', async () => {
    const { id, photos } = await queued();
    const { calls, fetchImpl } = server((method, url) => (url === base(id)
      ? json(201, { tracking_code: 'ABCDEFGHJK', status_url: '', photos_missing: photos })
      : json(201, { photo_id: url.split('/').pop(), status: 'received' })));
    await drain({ fetchImpl });
    expect(calls).toEqual([`PUT ${base(id)}`, ...photos.map((p) => `PUT ${base(id)}/photos/${p}`)]);
    const kept = await store.report(id);
    expect(kept).toMatchObject({ state: 'sent', trackingCode: 'ABCDEFGHJK', categoryName: ['乱停车', 'Parking'] });
    expect(kept.body).toBeUndefined(); // the phone number leaves the phone with the report
    expect(await store.photo(photos[0])).toBeUndefined();
  });

  it('after a lost reply, sends the same report again and only the photos the server lacks', async () => {
    const { id, photos } = await queued();
    const { calls, fetchImpl } = server((method, url, n) => {
      if (n === 1) throw new TypeError('Failed to fetch'); // committed on the server, the reply never came
      if (url === base(id)) return json(200, { tracking_code: 'ABCDEFGHJK', status_url: '', photos_missing: [photos[1]] });
      return json(201, { photo_id: photos[1], status: 'received' });
    });
    await drain({ fetchImpl });
    expect(await store.report(id)).toMatchObject({ state: 'queued', attempts: 1, error: { code: 'network' } });
    await drain({ fetchImpl, force: true });
    expect(calls).toEqual([`PUT ${base(id)}`, `PUT ${base(id)}`, `PUT ${base(id)}/photos/${photos[1]}`]);
    expect((await store.report(id)).state).toBe('sent');
  });

  it("resumes at the photos once the report is in, and waits out the server's Retry-After", async () => {
    const { id, photos } = await queued();
    let now = 1_000_000;
    const { calls, fetchImpl } = server((method, url) => (url === base(id)
      ? json(201, { tracking_code: 'ABCDEFGHJK', status_url: '', photos_missing: photos })
      : json(429, { error: { code: 'too_many_reports', message: '太多', message_en: 'too many' } }, { 'Retry-After': '120' })));
    await drain({ fetchImpl, now: () => now });
    const waiting = await store.report(id);
    expect(waiting).toMatchObject({ state: 'queued', trackingCode: 'ABCDEFGHJK', photosLeft: photos });
    expect(waiting.nextAt).toBeGreaterThanOrEqual(now + 120000);
    now += 60000;
    await drain({ fetchImpl, now: () => now }); // not due yet
    expect(calls).toHaveLength(2);
  });

  it('sends once when two tries start together', async () => {
    const { id, photos } = await queued();
    const { calls, fetchImpl } = server((method, url) => (url === base(id)
      ? json(201, { tracking_code: 'ABCDEFGHJK', status_url: '', photos_missing: photos })
      : json(201, { photo_id: url.split('/').pop(), status: 'received' })));
    await Promise.all([drain({ fetchImpl }), drain({ fetchImpl, force: true })]);
    expect(calls.filter((call) => call === `PUT ${base(id)}`)).toHaveLength(1);
    expect(calls).toHaveLength(3);
  });

  it('stops at a refusal for good and keeps the reason', async () => {
    const { id } = await queued();
    const { calls, fetchImpl } = server(() => json(422, { error: { code: 'validation_error', message: '输入有误', message_en: 'invalid' } }));
    await drain({ fetchImpl });
    await drain({ fetchImpl, force: true });
    expect(calls).toHaveLength(1);
    expect(await store.report(id)).toMatchObject({ state: 'failed', error: { code: 'validation_error', message: '输入有误' } });
  });

  it('counts a report reviewed before its photos arrived as sent', async () => {
    const { id, photos } = await queued();
    const { fetchImpl } = server((method, url) => (url === base(id)
      ? json(201, { tracking_code: 'ABCDEFGHJK', status_url: '', photos_missing: photos })
      : json(409, { error: { code: 'report_decided', message: '已审核', message_en: 'reviewed' } })));
    await drain({ fetchImpl });
    expect((await store.report(id)).state).toBe('sent');
  });
});

describe("the page's words", () => {
  const SRC = fileURLToPath(new URL('../src/report/', import.meta.url));
  const CHINESE = /[\u3400-\u9fff]/;
  let EN;
  beforeAll(async () => {
    vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => {} });
    ({ EN } = await import('../src/report/text.js'));
  });

  /** Every Chinese string literal and every literal passed to t() in the page's modules but its table. */
  function keys() {
    const found = [];
    for (const name of fs.readdirSync(SRC).filter((n) => n.endsWith('.js') && n !== 'text.js')) {
      const visit = (node) => {
        if (!node || typeof node.type !== 'string') return;
        if (node.type === 'Literal' && typeof node.value === 'string' && CHINESE.test(node.value)) found.push(`${name} ${node.value}`);
        if (node.type === 'TemplateElement' && CHINESE.test(node.value.cooked)) found.push(`${name} ${node.value.cooked}`);
        for (const [field, child] of Object.entries(node)) {
          if (field === 'start' || field === 'end') continue;
          if (Array.isArray(child)) child.forEach(visit); else if (child && typeof child === 'object') visit(child);
        }
      };
      visit(parseAst(fs.readFileSync(path.join(SRC, name), 'utf8')));
    }
    return found;
  }

  it('has an English entry for every Chinese text the page shows', () => {
    const found = keys();
    expect(found).toContain('logic.js 请选择问题类型');
    // The language switch names the other language in that language: '中文' stays as it is.
    const untranslated = found.map((entry) => entry.slice(entry.indexOf(' ') + 1)).filter((key) => key !== '中文');
    expect(untranslated.filter((key) => !Object.hasOwn(EN, key))).toEqual([]);
  });

  it('keeps each placeholder in the English text', () => {
    const names = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join();
    expect(Object.entries(EN).filter(([key, text]) => names(key) !== names(text))).toEqual([]);
  });
});
