// The console's one HTTP client. Every call to latchkey goes through `request`: same-origin
// fetch with the session cookie, JSON in and out, the session's CSRF token on every call that
// is not GET/HEAD (docs/console.md), and failures turned into an ApiError carrying the server's
// own `error.code`, `error.message` and `error.field` (docs/http_api.md, "Errors"), so that the
// pages show what the server said. A 401 on any call except the sign-in ones tells the handler
// set with onUnauthenticated (the app goes back to the sign-in page).
//
// Paths are resolved against the page's base URL ("v1/keys" under "/" or under a proxy's
// "/latchkey/" prefix alike).

let csrfToken = '';
let unauthenticatedHandler = null;

export class ApiError extends Error {
  constructor(status, code, message, field = null, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

export function setCsrfToken(token) {
  csrfToken = token || '';
}

export function onUnauthenticated(handler) {
  unauthenticatedHandler = handler;
}

function buildUrl(path, query) {
  const url = new URL(path.replace(/^\/+/, ''), document.baseURI);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  return url;
}

/**
 * Sends one request; resolves the parsed JSON body (null for 204), rejects with ApiError.
 * `quiet401`: a 401 is only thrown, not reported to the unauthenticated handler.
 */
export async function request(method, path, { body, query, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  let resp;
  try {
    resp = await fetch(buildUrl(path, query), {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network_error', `cannot reach latchkey (${e.message})`);
  }
  if (resp.status === 204) return null;
  const text = await resp.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (resp.ok) {
    if (json === null) {
      throw new ApiError(resp.status, 'bad_response', 'the server answered something other than JSON');
    }
    return json;
  }
  const err = json && json.error;
  const failure = new ApiError(
    resp.status,
    (err && err.code) || `http_${resp.status}`,
    (err && err.message) || resp.statusText || 'request failed',
    (err && err.field) || null,
    resp.headers.get('Retry-After'),
  );
  if (resp.status === 401 && !quiet401 && unauthenticatedHandler) unauthenticatedHandler(failure);
  throw failure;
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  post: (path, body = {}) => request('POST', path, { body }),
  patch: (path, body) => request('PATCH', path, { body }),
  put: (path, body) => request('PUT', path, { body }),
  del: (path) => request('DELETE', path),
};

/** Every item of a list endpoint, following next_cursor (at most `maxPages` pages of 1000). */
export async function listAll(path, query = {}, maxPages = 20) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page++) {
    const answer = await api.get(path, { ...query, limit: 1000, cursor });
    items.push(...answer.items);
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** Path segment escaping for ids in URLs. */
export const seg = (id) => encodeURIComponent(id);
