// The public page's own IndexedDB database (never the staff app's): reports waiting to be sent with their
// photo bytes, and the reports this phone sent, kept so the reporter finds their tracking codes again.
import { openDB } from 'idb';

const DB_NAME = 'gridpatrol-report';
let opening = null;

function db() {
  opening ||= openDB(DB_NAME, 1, {
    upgrade(database) {
      // One record a report (key: its UUID): `queued` until every PUT is answered, then `sent` (kept, without
      // the body), or `failed` when the server refused it for good.
      database.createObjectStore('reports', { keyPath: 'id' });
      // Photo bytes (ArrayBuffer + MIME type), one record a photo (key: its UUID), deleted once received.
      database.createObjectStore('photos', { keyPath: 'id' }).createIndex('by_report', 'reportId');
    },
  });
  return opening;
}

/** Keep a report and its photos in one transaction: it is either wholly on the phone or not at all. */
export async function keep(report, photos) {
  const tx = (await db()).transaction(['reports', 'photos'], 'readwrite');
  await Promise.all([tx.objectStore('reports').put(report),
                     ...photos.map((p) => tx.objectStore('photos').put(p)), tx.done]);
}

export async function reports() {
  return (await (await db()).getAll('reports')).sort((a, b) => b.queuedAt.localeCompare(a.queuedAt));
}

export async function report(id) { return (await db()).get('reports', id); }

export async function photo(id) { return (await db()).get('photos', id); }

export async function update(id, changes) {
  const tx = (await db()).transaction('reports', 'readwrite');
  const current = await tx.store.get(id);
  if (current) await tx.store.put({ ...current, ...changes });
  await tx.done;
}

/** A photo the server has: its bytes are no longer needed here. */
export async function dropPhoto(id) { return (await db()).delete('photos', id); }

/** Every PUT answered: keep the code, forget the body (the phone number and description) and any bytes. */
export async function markSent(id) {
  const tx = (await db()).transaction(['reports', 'photos'], 'readwrite');
  const current = await tx.objectStore('reports').get(id);
  const left = await tx.objectStore('photos').index('by_report').getAllKeys(id);
  await Promise.all([...left.map((key) => tx.objectStore('photos').delete(key)),
                     tx.objectStore('reports').put({ id, state: 'sent', trackingCode: current.trackingCode,
                                                     categoryName: current.categoryName,
                                                     queuedAt: current.queuedAt, sentAt: new Date().toISOString() }),
                     tx.done]);
}

/** The reporter gives up on a report the server refused (or one never sent). */
export async function discard(id) {
  const tx = (await db()).transaction(['reports', 'photos'], 'readwrite');
  const keys = await tx.objectStore('photos').index('by_report').getAllKeys(id);
  await Promise.all([...keys.map((key) => tx.objectStore('photos').delete(key)),
                     tx.objectStore('reports').delete(id), tx.done]);
}
