// The signed-in frame: header (search, quick add, notifications with a live unread count,
// language, user, logout), navigation by role, and the current route's page, loaded on
// demand. Focus moves to the page title on navigation; Ctrl+K opens the global search and
// `/` focuses the list filter.
import { html, useEffect, useRef, useState } from "../lib.js";
import { api, logout } from "../api.js";
import { errorText, label, t } from "../i18n.js";
import { matchRoute, useLocation } from "../router.js";
import { NAV_GROUPS, ROUTES, allowed } from "../routes.js";
import { LangSwitch } from "./lang.js";
import { SearchPalette } from "./search.js";
import { Empty } from "./page.js";

const UNREAD_POLL_MS = 20000;

function useUnread() {
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    let live = true;
    let timer;
    const poll = async () => {
      try {
        const answer = await api.get("/notifications", { unread: "true", per_page: 1 });
        if (live) setUnread(answer.unread ?? answer.total);
      } catch {
        /* keep the last count */
      }
      if (live) timer = setTimeout(poll, UNREAD_POLL_MS);
    };
    poll();
    const now = () => {
      clearTimeout(timer);
      poll();
    };
    window.addEventListener("crm:notifications", now);
    return () => {
      live = false;
      clearTimeout(timer);
      window.removeEventListener("crm:notifications", now);
    };
  }, []);
  return unread;
}

function Nav({ role, path, onPick }) {
  const entries = ROUTES.filter((r) => r.nav && allowed(r, role) && (!r.nav.roles || r.nav.roles.includes(role)));
  // the entry for this page: the longest nav path that is the page's path or a prefix of it
  const best = entries.filter((r) => path === r.path || path.startsWith(`${r.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];
  return html`<nav class="sidenav" aria-label=${t("app.menu")}>
    ${NAV_GROUPS.map((group) => {
      const items = entries.filter((r) => r.nav.group === group).sort((a, b) => a.nav.order - b.nav.order);
      if (!items.length) return null;
      return html`<div class="nav-group">
        <p class="nav-group-title">${t(`nav.group.${group}`)}</p>
        <ul>${items.map((r) => {
          const current = r === best;
          return html`<li><a href=${`#${r.path}`} aria-current=${current ? "page" : undefined} onClick=${onPick}>${t(r.nav.key)}</a></li>`;
        })}</ul>
      </div>`;
    })}
  </nav>`;
}

function QuickAdd({ role }) {
  const entries = ROUTES.filter((r) => r.quick && allowed(r, role)).sort((a, b) => a.quick.order - b.quick.order);
  if (!entries.length) return null;
  return html`<details class="quick-add">
    <summary aria-label=${t("app.quick_add")} title=${t("app.quick_add")}>＋<span class="wide-only"> ${t("app.quick_add")}</span></summary>
    <div class="menu">${entries.map((r) => html`<a href=${`#${r.quick.href || r.path}`} onClick=${(e) => e.target.closest("details").removeAttribute("open")}>${t(r.quick.key)}</a>`)}</div>
  </details>`;
}

function RouteView({ user, where }) {
  const [loaded, setLoaded] = useState(null);
  const [failed, setFailed] = useState(null);
  const hit = matchRoute(ROUTES, where.path);
  useEffect(() => {
    setFailed(null);
    if (!hit || !allowed(hit.route, user.role)) {
      setLoaded(null);
      return;
    }
    let live = true;
    hit.route.load().then((m) => live && setLoaded({ route: hit.route, Page: m.default })).catch((err) => live && setFailed(err));
    return () => {
      live = false;
    };
  }, [hit && hit.route]);
  useEffect(() => {
    const title = document.getElementById("page-title");
    if (title) title.focus({ preventScroll: false });
    const name = title ? title.textContent : "";
    document.title = name ? `${name} · ${t("app.name")}` : t("app.name");
  }, [where.path, loaded]);
  if (!hit) return html`<h1 id="page-title" tabindex="-1">${t("app.not_found")}</h1><${Empty} text=${t("app.not_found_hint")} />`;
  if (!allowed(hit.route, user.role)) return html`<h1 id="page-title" tabindex="-1">${t("app.no_access")}</h1>`;
  if (failed) {
    return html`<h1 id="page-title" tabindex="-1">${t("app.page_failed")}</h1>
      <p>${errorText(failed)}</p><button type="button" onClick=${() => location.reload()}>${t("app.retry")}</button>`;
  }
  if (!loaded || loaded.route !== hit.route) return html`<p class="muted loading">${t("app.loading")}</p>`;
  const { Page } = loaded;
  return html`<${Page} key=${where.path} path=${where.path} params=${hit.params} query=${where.query} user=${user} />`;
}

export function Shell({ user }) {
  const where = useLocation();
  const unread = useUnread();
  const [searching, setSearching] = useState(false);
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef(null);
  useEffect(() => {
    const onKey = (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setSearching(true);
      } else if (e.key === "/" && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
        const filter = document.querySelector("[data-list-filter]");
        if (filter) {
          e.preventDefault();
          filter.focus();
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const signOut = async () => {
    await logout();
    location.hash = "#/";
    location.reload();
  };
  return html`<div class=${`shell ${menuOpen ? "menu-open" : ""}`}>
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); main.current.focus(); }}>${t("app.skip")}</a>
    <header class="topbar">
      <button type="button" class="menu-button" aria-expanded=${menuOpen ? "true" : "false"} aria-controls="sidenav"
        onClick=${() => setMenuOpen(!menuOpen)}>☰<span class="sr-only"> ${t("app.menu")}</span></button>
      <a class="brand" href="#/">${t("app.name")}</a>
      <button type="button" class="search-button" onClick=${() => setSearching(true)} title=${t("app.search_hint")}>
        <span aria-hidden="true">⌕</span><span class="wide-only"> ${t("app.search")}</span> <kbd class="wide-only">Ctrl K</kbd>
        <span class="sr-only">${t("app.search_hint")}</span></button>
      <${QuickAdd} role=${user.role} />
      <a class="bell" href="#/notifications" aria-label=${`${t("app.notifications")}${unread ? ` (${t("app.unread", { count: unread })})` : ""}`}>
        <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" /><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" /></svg>${unread > 0 && html`<span class="count" data-unread=${unread}>${unread > 99 ? "99+" : unread}</span>`}</a>
      <span class="wide-only"><${LangSwitch} /></span>
      <span class="who wide-only"><span>${user.full_name || user.username}</span> <span class="role">${label("role", user.role)}</span></span>
      <button type="button" class="link wide-only" onClick=${signOut}>${t("app.logout")}</button>
    </header>
    <div class="body">
      <div id="sidenav" class="sidenav-wrap">
        <${Nav} role=${user.role} path=${where.path} onPick=${() => setMenuOpen(false)} />
        <div class="phone-only nav-footer">
          <p>${user.full_name || user.username} · ${label("role", user.role)}</p>
          <${LangSwitch} />
          <button type="button" onClick=${signOut}>${t("app.logout")}</button>
        </div>
      </div>
      <main id="main" class="view" tabindex="-1" ref=${main}><${RouteView} user=${user} where=${where} /></main>
    </div>
    ${searching && html`<${SearchPalette} onClose=${() => setSearching(false)} />`}
  </div>`;
}
