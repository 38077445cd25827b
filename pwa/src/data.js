// Reference data the phone needs offline (who I am, categories, point types, the grid, map settings):
// fetched when the network is there, kept in IndexedDB, read from there when it is not. Kept out of
// the service worker's caches on purpose: responses depend on the bearer token, and IndexedDB is wiped
// on logout, so the next person on a shared phone never sees the last one's data.
import { api } from './api.js';
import { kvGet, kvSet } from './db.js';

const SOURCES = {
  me: '/api/v1/me',
  categories: '/api/v1/categories',
  pointTypes: '/api/v1/point-types',
  grid: '/api/v1/grid/cells',
  map: '/api/v1/grid/map',
};

/** The freshest copy we can get: the server's, else the stored one (with `stale: true`). */
export async function reference(name, { refresh = true } = {}) {
  const stored = await kvGet('ref:' + name);
  if (refresh && navigator.onLine !== false) {
    try {
      const value = await api(SOURCES[name]);
      await kvSet('ref:' + name, { value, at: Date.now() });
      return { value, at: Date.now(), stale: false };
    } catch (error) {
      if (!stored || error.status === 401) throw error;
    }
  }
  if (!stored) throw Object.assign(new Error('离线且无缓存数据 · offline with no saved copy'), { code: 'no_copy' });
  return { ...stored, stale: true };
}

/** Load everything the capture screen needs, so it works from the first offline moment after login. */
export async function refreshAll() {
  const results = await Promise.allSettled(Object.keys(SOURCES).map((name) => reference(name)));
  return results.every((r) => r.status === 'fulfilled');
}

export async function categoryUse() { return (await kvGet('categoryUse')) || {}; }

export async function countCategoryUse(code) {
  const counts = await categoryUse();
  counts[code] = (counts[code] || 0) + 1;
  await kvSet('categoryUse', counts);
}
