// The portal's shell: hash routes (#/customers?q=..., #/customers/<id>, ...), the
// signed-in user in the header, the notifications badge, and a render loop in which a
// view's failure shows as an error box instead of breaking the page.

import { ApiError, clearToken, get, onUnauthorized, token } from "./api.js";
import { clear, errorBox, h, label } from "./dom.js";
import { ROLES } from "./labels.js";
import { customerDetail } from "./views/customer.js";
import { customerCreate, customerList } from "./views/customers.js";
import { loginView } from "./views/login.js";
import { notificationList, unreadCount } from "./views/notifications.js";
import { orderList } from "./views/orders.js";
import { productList } from "./views/products.js";

const ROUTES = [
  { pattern: /^login$/, view: loginView, public: true },
  { pattern: /^customers\/new$/, view: customerCreate, nav: "customers" },
  { pattern: /^customers\/([^/]+)$/, view: customerDetail, nav: "customers", keys: ["id"] },
  { pattern: /^(?:customers)?$/, view: customerList, nav: "customers" },
  { pattern: /^orders$/, view: orderList, nav: "orders" },
  { pattern: /^products$/, view: productList, nav: "products" },
  { pattern: /^notifications$/, view: notificationList, nav: "notifications" },
];
const BADGE_EVERY_MS = 30000;
const TOAST_MS = 3500;

const $ = (id) => document.getElementById(id);
const state = { me: null, generation: 0, timers: new Set(), badgeTimer: null, toastTimer: null };

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const cut = raw.indexOf("?");
  const path = cut < 0 ? raw : raw.slice(0, cut);
  return { path: path.replace(/\/+$/, ""), query: new URLSearchParams(cut < 0 ? "" : raw.slice(cut + 1)) };
}

function hashFor(path, query = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const search = params.toString();
  return `#/${path}${search ? `?${search}` : ""}`;
}

function navigate(path, query = {}) {
  const target = hashFor(path, query);
  if (location.hash === target) render();
  else location.hash = target;
}

function match(path) {
  for (const route of ROUTES) {
    const found = route.pattern.exec(path);
    if (found) {
      const params = Object.fromEntries((route.keys || []).map((key, i) => [key, decodeURIComponent(found[i + 1])]));
      return { route, params };
    }
  }
  return null;
}

function toast(message) {
  const box = $("toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(state.toastTimer);
  state.toastTimer = setTimeout(() => { box.hidden = true; }, TOAST_MS);
}

async function refreshBadge() {
  const badge = $("notify-badge");
  try {
    const unread = await unreadCount();
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = !unread;
  } catch {
    badge.hidden = true; // the badge is a hint; the notifications page shows the error
  }
}

function showChrome(nav) {
  const me = state.me;
  $("topbar").hidden = !me;
  if (!me) return;
  $("who-name").textContent = me.full_name ? `${me.full_name}（${me.username}）` : me.username;
  $("who-role").textContent = label(ROLES, me.role);
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function signIn() {
  state.me = await get("/auth/me");
  clearInterval(state.badgeTimer);
  state.badgeTimer = setInterval(refreshBadge, BADGE_EVERY_MS);
}

function signOut() {
  clearToken();
  // a fresh page forgets everything this user's session held (names, timers)
  location.hash = "#/login";
  location.reload();
}

function stopTimers() {
  for (const timer of state.timers) clearTimeout(timer);
  state.timers.clear();
}

function viewContext(generation, query, params) {
  const alive = () => generation === state.generation;
  return {
    me: state.me,
    query,
    params,
    alive,
    navigate,
    toast,
    refreshBadge,
    reload: () => render(),
    loggedIn: async () => {
      await signIn();
      navigate("customers");
    },
    /** Runs fn now and again after interval() ms each time, while this view is shown. */
    every(interval, fn) {
      const tick = async () => {
        if (!alive()) return;
        try {
          await fn();
        } catch (error) {
          console.warn("refresh failed", error);
        }
        if (!alive()) return;
        const timer = setTimeout(() => {
          state.timers.delete(timer);
          tick();
        }, interval());
        state.timers.add(timer);
      };
      tick();
    },
  };
}

async function render() {
  const generation = ++state.generation;
  stopTimers();
  const { path, query } = parseHash();
  const found = match(path);
  const root = clear($("view"));
  if (!found) {
    showChrome(null);
    root.append(errorBox(new ApiError(404, "not_found", `没有这个页面 No such page: /${path}`)),
      h("p", {}, h("a", { href: "#/customers" }, "‹ 客户 Customers")));
    return;
  }
  const { route, params } = found;
  if (route.public && token() && state.me) return navigate("customers");
  if (!route.public && !token()) return navigate("login");
  if (!route.public && !state.me) {
    try {
      await signIn();
    } catch (error) {
      if (generation !== state.generation || error.status === 401) return; // 401: sent to login
      root.append(errorBox(error), h("button", { type: "button", onclick: () => render() }, "重试 Retry"));
      return;
    }
    if (generation !== state.generation) return;
  }
  showChrome(route.nav);
  refreshBadge(); // on every page change, besides the timer
  try {
    await route.view(root, viewContext(generation, query, params));
  } catch (error) {
    if (generation === state.generation) root.append(errorBox(error));
  }
}

function start() {
  onUnauthorized(() => {
    state.me = null;
    showChrome(null);
    navigate("login", { expired: 1 });
  });
  $("logout").addEventListener("click", signOut);
  window.addEventListener("hashchange", render);
  window.addEventListener("unhandledrejection", (event) => {
    toast(`出错了 Something failed: ${event.reason && event.reason.message ? event.reason.message : event.reason}`);
  });
  render();
}

start();
