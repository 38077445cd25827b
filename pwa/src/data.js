// Reference data the phone needs offline (who I am, categories, point types, the grid, map settings, units):
// fetched when the network is there, kept in IndexedDB, read from there when it is not. Kept out of
// the service worker's caches on purpose: responses depend on the bearer token, and IndexedDB is wiped
// on logout, so the next person on a shared phone never sees the last one's data.
import { api } from './api.js';
import { kvGet, kvSet } from './db.js';
import { countyDay } from './geo.js';
import { countCategories } from './categories.js';

const SOURCES = {
  me: '/api/v1/me',
  categories: '/api/v1/categories',
  pointTypes: '/api/v1/point-types',
  grid: '/api/v1/grid/cells',
  bureaus: '/api/v1/bureaus',
  map: '/api/v1/grid/map',
  keyPoints: '/api/v1/key-points?active=true',
  checklists: '/api/v1/checklists',
  patrolsDue: () => `/api/v1/patrols/due?date=${countyDay()}`,
};
// What only an inspector uses (on patrol and at capture); other roles do not fetch it.
const INSPECTOR_ONLY = new Set(['keyPoints', 'checklists', 'patrolsDue']);

/** The freshest copy we can get: the server's, else the stored one (with `stale: true`). */
export async function reference(name, { refresh = true } = {}) {
  const stored = await kvGet('ref:' + name);
  if (refresh && navigator.onLine !== false) {
    try {
      const source = SOURCES[name];
      const value = await api(typeof source === 'function' ? source() : source);
      await kvSet('ref:' + name, { value, at: Date.now() });
      return { value, at: Date.now(), stale: false };
    } catch (error) {
      if (!stored || error.status === 401) throw error;
    }
  }
  if (!stored) throw Object.assign(new Error('离线且无缓存数据'), { code: 'no_copy' });
  return { ...stored, stale: true };
}

/** Load everything the capture screen needs, so it works from the first offline moment after login. */
export async function refreshAll() {
  const inspector = (await kvGet('auth'))?.user?.role === 'inspector';
  const names = Object.keys(SOURCES).filter((name) => inspector || !INSPECTOR_ONLY.has(name));
  const results = await Promise.allSettled(names.map((name) => reference(name)));
  return results.every((r) => r.status === 'fulfilled');
}

export async function categoryUse() { return (await kvGet('categoryUse')) || {}; }

/** What is reported most in one of my cells ({ code: count } over its last 200 tickets), for the category
 * picker. Asked at most once a day and kept for offline use; {} until then. */
export async function cellCategoryUse(cellCode) {
  const key = `cellUse:${cellCode}`;
  const stored = await kvGet(key);
  if (stored && Date.now() - stored.at < 86400000) return stored.counts;
  try {
    const page = await api(`/api/v1/tickets?cell=${encodeURIComponent(cellCode)}&limit=200`);
    const counts = countCategories(page.items);
    await kvSet(key, { counts, at: Date.now() });
    return counts;
  } catch {
    return stored?.counts || {}; // offline: an older count is still a good order
  }
}

export async function countCategoryUse(code) {
  const counts = await categoryUse();
  counts[code] = (counts[code] || 0) + 1;
  await kvSet('categoryUse', counts);
}
