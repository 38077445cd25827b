// What the page asks the server for without an account, and the page's own device id.
import { said } from './text.js';

const CATEGORIES_KEY = 'gridpatrol.report.categories';
const DEVICE_KEY = 'gridpatrol.report.device';

/** GET a public endpoint's JSON: { value } or { error } (the server's words, or no network). */
export async function getJson(path) {
  try {
    const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = (response.headers.get('content-type') || '').includes('application/json') ? await response.json() : null;
    if (response.ok && body) return { value: body };
    return { error: body?.error || { message: '服务器返回了非预期的内容' }, status: response.status };
  } catch {
    return { error: { message: '网络不可用' }, status: 0 };
  }
}

let loaded = null;

/** The county's public categories: the server's list, else the copy kept from the last visit.
 * { list, error } where error is text to show when the server could not be asked. */
export function categories() {
  loaded ||= getJson('/api/v1/public/categories').then(({ value, error }) => {
    if (value) {
      localStorage.setItem(CATEGORIES_KEY, JSON.stringify(value));
      return { list: value, error: null };
    }
    loaded = null; // ask again next time
    return { list: JSON.parse(localStorage.getItem(CATEGORIES_KEY) || '[]'), error: said(error) };
  });
  return loaded;
}

/** A random id this page keeps for itself (no cookie): the server counts reports per device by it. */
export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}
