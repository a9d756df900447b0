// The portal's entry: restores the session (refresh cookie), shows the login page or the
// shell, and keeps a deep link opened while logged out for after the login.
import { html, render, useEffect, useState } from "./lib.js";
import { ApiError, api, login, onUnauthorized, refresh, setApiLanguage, takeRestoredUser } from "./api.js";
import { errorText, lang, onLangChange, setLang, t } from "./i18n.js";
import { loadPrefs } from "./prefs.js";
import { forgetNames, loadUsers } from "./names.js";
import { matchRoute, parseHash } from "./router.js";
import { Shell } from "./ui/shell.js";
import { Feedback } from "./ui/feedback.js";
import { LangSwitch, chooseLanguage, setSignedIn } from "./ui/lang.js";
import { ROUTES, homeFor } from "./routes.js";
import { setCurrentUser } from "./session.js";

const NEXT_KEY = "crm.next"; // the deep link to return to (a route, never a token)

function rememberDeepLink() {
  const { path } = parseHash();
  if (path !== "/" && path !== "/login") sessionStorage.setItem(NEXT_KEY, location.hash);
}

function takeDeepLink(role) {
  const next = sessionStorage.getItem(NEXT_KEY);
  sessionStorage.removeItem(NEXT_KEY);
  return next && next.startsWith("#/") && !next.startsWith("#/login") ? next : `#${homeFor(role)}`;
}

function Login({ onIn, notice }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const title = document.getElementById("page-title");
    if (title) title.focus();
  }, []);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    setBusy(true);
    setError(null);
    try {
      const answer = await login(String(form.get("username")).trim(), String(form.get("password")));
      await onIn(answer);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login-page" id="main">
    <form class="login" onSubmit=${submit}>
      <p class="brand">${t("app.name")}</p>
      <h1 id="page-title" tabindex="-1">${t("login.title")}</h1>
      ${notice && html`<p class="notice">${notice}</p>`}
      <label for="login-username">${t("login.username")}</label>
      <input id="login-username" name="username" autocomplete="username" required />
      <label for="login-password">${t("login.password")}</label>
      <input id="login-password" name="password" type="password" autocomplete="current-password" required />
      ${error && html`<p class="form-error" role="alert">${error.status === 401 ? t("login.failed") : error.status === 429 ? t("login.locked") : errorText(error)}</p>`}
      <button type="submit" class="primary" disabled=${busy}>${t("login.submit")}</button>
      <${LangSwitch} />
    </form>
  </main>`;
}

function ChangePassword({ onDone }) {
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await api.post("/auth/password", { old_password: form.get("old"), new_password: form.get("new") });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  const details = error && error.details && error.details.new_password;
  return html`<main class="login-page" id="main"><form class="login" onSubmit=${submit}>
    <h1 id="page-title" tabindex="-1">${t("login.must_change")}</h1>
    <label for="pw-old">${t("login.old_password")}</label>
    <input id="pw-old" name="old" type="password" autocomplete="current-password" required />
    <label for="pw-new">${t("login.new_password")}</label>
    <input id="pw-new" name="new" type="password" autocomplete="new-password" required minlength="8" />
    ${error && html`<p class="form-error" role="alert">${details ? [details].flat().join(" ") : errorText(error)}</p>`}
    <button type="submit" class="primary">${t("login.change")}</button>
  </form></main>`;
}

function App() {
  const [state, setState] = useState({ phase: "boot", user: null, notice: null });
  const [, setLangTick] = useState(0);
  useEffect(() => onLangChange(() => {
    setApiLanguage(lang());
    setLangTick((n) => n + 1);
  }), []);
  const enter = async () => {
    try {
      // a reload: the refresh answer said who it is, so the page renders at once and the
      // saved language (cached on this device already) is checked in the background
      const known = takeRestoredUser();
      const prefs = loadPrefs();
      const user = known || (await api.get("/auth/me"));
      if (known) prefs.then((p) => p.language && setLang(p.language));
      else {
        const loaded = await prefs;
        if (loaded.language) setLang(loaded.language);
      }
      setSignedIn(true);
      setCurrentUser(user);
      loadUsers();
      if (parseHash().path === "/" || parseHash().path === "/login") location.hash = takeDeepLink(user.role);
      else sessionStorage.removeItem(NEXT_KEY);
      setState({ phase: "in", user, notice: null });
    } catch (err) {
      if (err instanceof ApiError && err.code === "password_change_required") setState({ phase: "password", user: null });
      else setState({ phase: "out", user: null, notice: err.status === 401 ? null : errorText(err) });
    }
  };
  useEffect(() => {
    setApiLanguage(lang());
    document.documentElement.lang = lang();
    onUnauthorized(() => {
      setSignedIn(false);
      forgetNames();
      rememberDeepLink();
      setState({ phase: "out", user: null, notice: t("app.session_ended") });
    });
    // the page's module loads while the session is restored (import() caches it for the router)
    const opening = matchRoute(ROUTES, parseHash().path);
    if (opening) opening.route.load().catch(() => {});
    refresh().then((alive) => {
      if (alive) enter();
      else {
        rememberDeepLink();
        setState({ phase: "out", user: null, notice: null });
      }
    });
  }, []);
  let body;
  if (state.phase === "boot") body = html`<p class="boot">${t("app.loading")}</p>`;
  else if (state.phase === "out") body = html`<${Login} onIn=${enter} notice=${state.notice} />`;
  else if (state.phase === "password") body = html`<${ChangePassword} onDone=${enter} />`;
  else body = html`<${Shell} user=${state.user} />`;
  return html`${body}<${Feedback} />`;
}

window.__setLang = chooseLanguage; // browser tests switch the language through the same path as the header
render(html`<${App} />`, document.getElementById("app"));
