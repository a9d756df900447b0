// The public API (/api/v1) as the portal uses it: bearer token from sessionStorage,
// JSON in and out, every failure turned into an ApiError carrying the error body.
// Access tokens live 15 minutes: on a 401 the portal refreshes once through its refresh
// cookie (HttpOnly, SameSite=Strict, sent only to /api/v1/auth) and retries the call once.

const BASE = "/api/v1";
const TOKEN_KEY = "crm.portal.token";
const CLIENT = { "X-CRM-Client": "portal" }; // asks the gateway for the refresh cookie

export class ApiError extends Error {
  constructor(status, code, message, details = {}, headers = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.headers = headers;
  }
}

let unauthorizedHandler = () => {};

/** Called when an authenticated call answers 401 (expired or revoked token). */
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Log out: the server ends the session (access token and refresh cookie) and we forget it. */
export function clearToken() {
  const bearer = token();
  forgetToken();
  // keepalive: the request outlives a page reload that follows at once
  fetch(`${BASE}/auth/logout`, {
    method: "POST",
    headers: { ...CLIENT, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
    credentials: "same-origin",
    keepalive: true,
    cache: "no-store",
  }).catch(() => {});
}

let refreshing = null;

/** One refresh through the cookie at a time; resolves true when a new access token came. */
function refreshToken() {
  if (!refreshing) {
    refreshing = fetch(`${BASE}/auth/refresh`, {
      method: "POST",
      headers: { ...CLIENT, Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(async (response) => {
        if (!response.ok) return false;
        const answer = await response.json();
        sessionStorage.setItem(TOKEN_KEY, answer.access_token);
        return true;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const search = params.toString();
  return BASE + path + (search ? `?${search}` : "");
}

async function readBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  return await response.text();
}

function errorFrom(response, body) {
  const error = body && typeof body === "object" && body.error;
  if (error && typeof error === "object") {
    return new ApiError(response.status, error.code || `http_${response.status}`,
      error.message || response.statusText, error.details, response.headers);
  }
  const text = typeof body === "string" && body.length < 300 ? body : "";
  return new ApiError(response.status, `http_${response.status}`,
    text || response.statusText || `HTTP ${response.status}`, {}, response.headers);
}

/**
 * One call. `query` becomes the query string (empty values dropped), `body` JSON,
 * `idempotencyKey` the Idempotency-Key header. Resolves to the parsed body; rejects
 * with ApiError (status 0 when the server could not be reached).
 */
export async function request(method, path,
  { query, body, idempotencyKey, auth = true, portal = false, retried = false } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
    ...(portal ? CLIENT : {}) };
  const bearer = auth ? token() : null;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(url(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: portal ? "same-origin" : "omit", // the refresh cookie only where it is set
      cache: "no-store",
    });
  } catch (exc) {
    throw new ApiError(0, "network_error", `无法连接服务器 Cannot reach the server (${exc.message})`);
  }
  const parsed = await readBody(response);
  if (!response.ok) {
    const error = errorFrom(response, parsed);
    if (response.status === 401 && bearer) {
      // another call may have refreshed already; else refresh once through the cookie
      const renewed = token() && token() !== bearer;
      if (!retried && (renewed || (await refreshToken()))) {
        return request(method, path, { query, body, idempotencyKey, auth, retried: true });
      }
      forgetToken();
      unauthorizedHandler(error);
    }
    throw error;
  }
  return parsed;
}

export const get = (path, query) => request("GET", path, { query });
export const post = (path, body, options = {}) => request("POST", path, { ...options, body });

/** Log in; keeps the access token for this browser tab only (the refresh token is a cookie). */
export async function login(username, password) {
  const answer = await request("POST", "/auth/login", { body: { username, password }, auth: false, portal: true });
  sessionStorage.setItem(TOKEN_KEY, answer.access_token);
  return answer;
}

function randomKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // also outside secure contexts
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A poster for one form: resending the same body after a failure reuses its
 * Idempotency-Key (a retry after a lost answer creates nothing twice); a changed body
 * or a new submission after a success gets a new key.
 */
export function idempotentPoster(path) {
  let last = null;
  return async (body) => {
    const json = JSON.stringify(body);
    if (!last || last.json !== json) last = { json, key: randomKey() };
    const answer = await post(path, body, { idempotencyKey: last.key });
    last = null; // done: the next submission is a new request
    return answer;
  };
}
