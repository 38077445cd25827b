// A photo from the camera becomes evidence the phone can keep and send: EXIF facts read from the
// original first (re-encoding drops them), then a copy no larger than 2048 px made in a worker,
// then its SHA-256. The bytes are stored as they will be sent, so the hash holds end to end.
import exifr from 'exifr/dist/lite.esm.mjs';

export const MAX_EDGE = 2048;
export const QUALITY = 0.85;
const SENDABLE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/heic']);

/** The EXIF facts the server's capture contract takes (`ClientExif`); null when there are none. */
export async function readExif(source) {
  let raw;
  try {
    // EXIF lives in the first APP1 segment (at most 64 KB), so the head of the file is enough.
    const head = source instanceof Blob ? await source.slice(0, 131072).arrayBuffer() : source;
    raw = await exifr.parse(head, { ifd1: false, interop: false, reviveValues: false, translateValues: false });
  } catch {
    return null; // no EXIF, or a format exifr cannot read: the server records "no camera metadata"
  }
  if (!raw) return null;
  const text = (value, max) => (typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : null);
  const facts = {
    make: text(raw.Make, 128),
    model: text(raw.Model, 128),
    software: text(raw.Software, 128),
    datetime_original: text(raw.DateTimeOriginal, 32),
    offset_time_original: text(raw.OffsetTimeOriginal, 8),
    gps_lat: Number.isFinite(raw.latitude) && Math.abs(raw.latitude) <= 90 ? raw.latitude : null,
    gps_lon: Number.isFinite(raw.longitude) && Math.abs(raw.longitude) <= 180 ? raw.longitude : null,
    orientation: Number.isInteger(raw.Orientation) && raw.Orientation >= 1 && raw.Orientation <= 8
      ? raw.Orientation : null,
  };
  return Object.values(facts).some((v) => v !== null) ? facts : null;
}

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}


let worker = null;
let nextJob = 1;
const jobs = new Map();

/** Downscale in a worker (decoding a 12-MP photo on the main thread would freeze the page). */
function resizeInWorker(file, orientation) {
  if (!worker) {
    worker = new Worker(new URL('./photo-worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }) => {
      const job = jobs.get(data.job);
      jobs.delete(data.job);
      if (data.error) job.reject(new Error(data.error)); else job.resolve(data);
    };
  }
  return new Promise((resolve, reject) => {
    const job = nextJob++;
    jobs.set(job, { resolve, reject });
    worker.postMessage({ job, file, orientation, maxEdge: MAX_EDGE, quality: QUALITY });
  });
}

/**
 * Prepare one chosen file: { bytes: ArrayBuffer, type, sha256, size, width, height, exif, resized }.
 * `resize(file, exifOrientation)` answers { bytes, type, width, height, resized } (injectable for tests).
 */
export async function preparePhoto(file, { resize = resizeInWorker } = {}) {
  const exif = await readExif(file);
  let result;
  try {
    result = await resize(file, exif?.orientation);
  } catch (error) {
    // This browser cannot decode it (HEIC outside Safari): send the original; the server decodes it.
    if (!SENDABLE.has(file.type)) throw Object.assign(new Error('无法读取该照片（{type}）'), { values: { type: file.type || '?' } });
    result = { bytes: await file.arrayBuffer(), type: file.type, width: null, height: null, resized: false };
  }
  return { ...result, exif, size: result.bytes.byteLength, sha256: await sha256Hex(result.bytes) };
}
