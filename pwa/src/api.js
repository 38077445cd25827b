// The one way the app talks to the server: bearer token, JSON in and out, the server's error shape.
// Our own error messages are i18n keys (errorText shows them): this module also runs in the service worker.
import { getToken } from './db.js';

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  // Worth retrying later: the network, the server, a proxy or a captive portal failed us.
  get transient() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500
      || this.code === 'not_json';
  }
}

/** Reads a response as the API's JSON; anything else (a captive portal's HTML login page, a proxy's
 * error page) is a failure, whatever its status says. */
export async function readJson(response) {
  const type = response.headers.get('content-type') || '';
  if (response.status === 204) return null;
  if (!type.includes('application/json')) {
    throw new ApiError(response.status >= 400 ? response.status : 0, 'not_json', '服务器返回了非预期的内容',
      { status: response.status, contentType: type });
  }
  let body;
  try {
    body = await response.json();
  } catch (error) {
    // The connection dropped in the middle of the reply: as good as no reply at all.
    throw new ApiError(0, 'network', '网络中断，未收到完整的回复', { cause: String(error) });
  }
  if (!response.ok) {
    const error = body?.error || {};
    throw new ApiError(response.status, error.code || 'http_' + response.status,
      error.message || response.statusText, error);
  }
  return body;
}

export async function api(path, { method = 'GET', json, body, headers = {}, token, signal } = {}) {
  const bearer = token === undefined ? await getToken() : token;
  const allHeaders = { Accept: 'application/json', ...headers };
  if (bearer) allHeaders.Authorization = `Bearer ${bearer}`;
  if (json !== undefined) {
    allHeaders['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, { method, headers: allHeaders, body, signal, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, 'network', '网络不可用', { cause: String(error) });
  }
  return readJson(response);
}

/** An access-controlled file (a photo, a bulletin's PDF) as a Blob: a link or an <img src> cannot carry the
 * bearer token. `failure` is the error's message (a key) when the server refuses it. */
export async function fileBlob(path, failure) {
  const token = await getToken();
  let response;
  try {
    // no-store: evidence must not outlive a logout in the browser's HTTP cache.
    response = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, 'network', '网络不可用', { cause: String(error) });
  }
  if (!response.ok) throw new ApiError(response.status, 'file', failure);
  return response.blob();
}

/** An access-controlled image as an object URL. */
export async function imageUrl(path) {
  return URL.createObjectURL(await fileBlob(path, '图片加载失败'));
}
