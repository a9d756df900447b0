// Names for ids shown in tables (a customer on an order, an owner on a customer), read
// once per id and page load; an id the caller may not see stays a short id.

import { get } from "./api.js";
import { h } from "./dom.js";

const cache = new Map();

const LOOKUPS = {
  user: (id) => get(`/users/${encodeURIComponent(id)}`).then((u) => u.full_name || u.username),
  customer: (id) => get(`/customers/${encodeURIComponent(id)}`).then((c) => c.name),
};

export function shortId(id) {
  return id ? String(id).slice(0, 8) : "—";
}

export function lookupName(kind, id) {
  const key = `${kind}:${id}`;
  if (!cache.has(key)) cache.set(key, LOOKUPS[kind](id).catch(() => null));
  return cache.get(key);
}

/** Remember a name the page already has (no request needed later). */
export function rememberName(kind, id, name) {
  if (id && name) cache.set(`${kind}:${id}`, Promise.resolve(name));
}

/** A span showing the short id at once and the name when it arrives. */
export function nameOf(kind, id, { me = null } = {}) {
  if (!id) return h("span", { class: "muted" }, "—");
  if (kind === "user" && me && me.id === id) return h("span", {}, "我 Me");
  const span = h("span", { title: id }, shortId(id));
  lookupName(kind, id).then((name) => {
    if (name) span.textContent = name;
  });
  return span;
}
