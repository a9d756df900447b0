// Hash routes ("#/customers/abc?tab=orders"): survive reloads and bookmarks, and a deep
// link opened while logged out comes back after the login (main.js keeps it).
import { useEffect, useState } from "./lib.js";

/** "#/a/b?x=1" -> {path: "/a/b", query: {x: "1"}} */
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path: path || "/", query: Object.fromEntries(new URLSearchParams(search)) };
}

export function href(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== "") params.set(k, v);
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ""}`;
}

export function navigate(path, query, { replace = false } = {}) {
  const target = href(path, query);
  if (replace) history.replaceState(null, "", target);
  else if (location.hash !== target) location.hash = target;
  if (replace) window.dispatchEvent(new HashChangeEvent("hashchange"));
}

/** Change some query parameters of the current route (filters, page) without a new history entry each keystroke. */
export function setQuery(changes, { replace = true } = {}) {
  const { path, query } = parseHash();
  const next = { ...query, ...changes };
  for (const key of Object.keys(next)) if (next[key] === "" || next[key] === null || next[key] === undefined) delete next[key];
  navigate(path, next, { replace });
}

/** Compile "/customers/:id" into a matcher answering params or null. */
export function compile(pattern) {
  const names = [];
  const source = pattern.replace(/\/:(\w+)/g, (_, name) => {
    names.push(name);
    return "/([^/]+)";
  });
  const regex = new RegExp(`^${source}/?$`);
  return (path) => {
    const m = regex.exec(path);
    if (!m) return null;
    return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
  };
}

export function matchRoute(routes, path) {
  for (const route of routes) {
    route.match = route.match || compile(route.path);
    const params = route.match(path);
    if (params) return { route, params };
  }
  return null;
}

/** The current location, re-rendering on every hash change. */
export function useLocation() {
  const [location_, setLocation] = useState(parseHash());
  useEffect(() => {
    let shown = parseHash().path;
    const on = () => {
      const next = parseHash();
      // another page starts at its top (a filter, a tab or a sort keeps the place on the page)
      if (next.path !== shown && typeof window.scrollTo === "function") window.scrollTo(0, 0);
      shown = next.path;
      setLocation(next);
    };
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return location_;
}
