// The phone's own storage: one IndexedDB database, opened through idb. The page, other tabs and the
// service worker all use it, so everything here must be safe to read from any of them.
import { openDB, deleteDB } from 'idb';

export const DB_NAME = 'gridpatrol';
let opening = null;

export function db() {
  opening ||= openDB(DB_NAME, 1, {
    upgrade(database) {
      // Tickets waiting to reach the server, frozen at capture (key: the ticket's UUID).
      database.createObjectStore('outbox', { keyPath: 'id' }).createIndex('by_queued', 'queuedAt');
      // Their photo bytes, one record per photo (key: the photo's UUID).
      database.createObjectStore('photos', { keyPath: 'id' }).createIndex('by_item', 'itemId');
      // Small values: the token and user, reference data for offline use, counters.
      database.createObjectStore('kv');
    },
    // Another tab (or the service worker) is logging out or upgrading: let go of the database,
    // and in a page start over, since what this page shows is about to disappear.
    blocking(_current, _wanted, event) {
      event.target.close();
      opening = null;
      if (typeof window !== 'undefined') setTimeout(() => location.reload(), 100);
    },
  });
  return opening;
}

export async function kvGet(key) { return (await db()).get('kv', key); }
export async function kvSet(key, value) { return (await db()).put('kv', value, key); }

export async function getToken() { return (await kvGet('auth'))?.token || null; }

/** Forget everything on this phone (logout). */
export async function wipe() {
  if (opening) (await opening).close();
  opening = null;
  await deleteDB(DB_NAME);
}
