// The public API (/api/v1) as the portal uses it.
//
// Where the session lives, and why:
// - the access token (15 minutes) lives only in this module's memory: nothing a script
//   injected later could read from storage, and it is gone with the tab;
// - the refresh token lives in the gateway's `crm_refresh` cookie (HttpOnly, SameSite=Strict,
//   path /api/v1/auth, Secure over https): page scripts never see it. A new tab or a reload
//   asks `POST /auth/refresh` for a fresh access token, so the session survives both;
// - refreshes are serialised across tabs (Web Locks): the gateway rotates the refresh token
//   on every use and treats two uses of one token as theft, ending the session;
// - logout ends the session on the server (access and refresh token at once) and tells the
//   other tabs (BroadcastChannel), which return to the login page.

const BASE = "/api/v1";
const CLIENT = { "X-CRM-Client": "portal" }; // asks the gateway for the refresh cookie
const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("crm-session") : null;
if (channel && channel.unref) channel.unref(); // node (unit tests): never keeps the process alive

let accessToken = null;
let restoredUser = null; // who the cookie's session is, from the refresh answer
let language = "zh-CN";
let unauthorized = () => {};

export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

/** What to do when the session has ended (expired, revoked, logged out in another tab). */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

/** The language the server writes its texts in (timeline summaries, PDFs, messages). */
export function setApiLanguage(lang) {
  language = lang;
}

/** The user the restored session belongs to (once), or null: then ask GET /auth/me. */
export function takeRestoredUser() {
  const user = restoredUser;
  restoredUser = null;
  return user;
}

export function hasToken() {
  return accessToken !== null;
}

if (channel) {
  channel.onmessage = (event) => {
    if (event.data === "logout") {
      accessToken = null;
      unauthorized();
    }
  };
}

function withLock(fn) {
  if (typeof navigator !== "undefined" && navigator.locks) return navigator.locks.request("crm-refresh", fn);
  return fn();
}

let refreshing = null;

/** A new access token through the refresh cookie; true when the session is alive. */
export function refresh() {
  if (!refreshing) {
    refreshing = withLock(async () => {
      try {
        const response = await fetch(`${BASE}/auth/refresh`, {
          method: "POST", headers: { ...CLIENT, Accept: "application/json" }, credentials: "same-origin",
          cache: "no-store",
        });
        if (!response.ok) return false;
        const answer = await response.json();
        accessToken = answer.access_token;
        restoredUser = answer.password_change_required ? null : answer.user || null;
        return true;
      } catch {
        return false;
      }
    }).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

export async function login(username, password) {
  const answer = await request("POST", "/auth/login", { body: { username, password }, auth: false });
  accessToken = answer.access_token;
  return answer;
}

export async function logout() {
  const bearer = accessToken;
  accessToken = null;
  try {
    await fetch(`${BASE}/auth/logout`, {
      method: "POST", credentials: "same-origin", cache: "no-store", keepalive: true,
      headers: { ...CLIENT, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
    });
  } finally {
    if (channel) channel.postMessage("logout");
  }
}

export function url(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(name, String(v)));
    else params.set(name, String(value));
  }
  const search = params.toString();
  return `${BASE}${path}${search ? `?${search}` : ""}`;
}

async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body && body.error) || {};
  return new ApiError(response.status, error.code || `http_${response.status}`, error.message || response.statusText,
    error.details || {});
}

/**
 * One call. options: query, body (JSON) or form (FormData), key (Idempotency-Key),
 * raw (answer the Response: files), auth (default true).
 */
export async function request(method, path, options = {}) {
  const { query, body, form, key, raw = false, auth = true } = options;
  const send = () => {
    const headers = { ...CLIENT, Accept: raw ? "*/*" : "application/json", "Accept-Language": language };
    if (auth && accessToken) headers.Authorization = `Bearer ${accessToken}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (key) headers["Idempotency-Key"] = key;
    return fetch(url(path, query), {
      method, headers, credentials: "same-origin", cache: "no-store",
      body: form || (body !== undefined ? JSON.stringify(body) : undefined),
    });
  };
  let response;
  try {
    response = await send();
    if (response.status === 401 && auth && (await refresh())) response = await send();
  } catch {
    throw new ApiError(0, "network", "network error");
  }
  if (response.status === 401 && auth) {
    accessToken = null;
    unauthorized();
  }
  if (!response.ok) throw await errorOf(response);
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

export const api = {
  get: (path, query) => request("GET", path, { query }),
  post: (path, body, options = {}) => request("POST", path, { body: body ?? {}, ...options }),
  patch: (path, body, options = {}) => request("PATCH", path, { body, ...options }),
  put: (path, body, options = {}) => request("PUT", path, { body, ...options }),
  del: (path, options = {}) => request("DELETE", path, options),
  upload: (path, form, options = {}) => request("POST", path, { form, ...options }),
  file: (path, query) => request("GET", path, { query, raw: true }),
};

/** A fresh Idempotency-Key: one per form submission, reused when the same submission is retried. */
export function newKey() {
  return crypto.randomUUID();
}

/** Download a file the API answers (PDF, CSV, XLSX) under the name it gives. */
export async function download(path, query, fallbackName) {
  const response = await api.file(path, query);
  const blob = await response.blob();
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1] || match[2]) : fallbackName;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

/** Open a file the API answers (a PDF preview) in a new tab. */
export async function openFile(path, query) {
  const response = await api.file(path, query);
  const blob = await response.blob();
  const target = URL.createObjectURL(blob);
  window.open(target, "_blank", "noopener");
  setTimeout(() => URL.revokeObjectURL(target), 60000);
}
