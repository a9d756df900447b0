"""In headless Chromium (Debian's chromium + chromedriver): /api/v1/docs renders Swagger UI
under the portal's CSP without a single violation, a token given to "Authorize" is used
but never written to browser storage, and another site cannot frame the page; the portal's
API module outlives its short access token through the refresh cookie, and its logout ends
the session on the server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from tests.integration.gateway.conftest import ServerThread

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                reason="needs Debian's chromium and chromium-driver (make browser)")

if CHROMIUM.exists():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait


@pytest.fixture(scope="module")
def gateway_url(gateway_app) -> Iterator[str]:
    with ServerThread(gateway_app) as server:
        yield server.url


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--window-size=1280,900",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-docs')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def csp_violations(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser")
            if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]


def test_docs_render_under_csp_and_keep_no_token(browser, gateway_url, admin):
    browser.get(f"{gateway_url}/api/v1/docs")
    wait = WebDriverWait(browser, 20, poll_frequency=0.2)
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title")))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    assert "CRM suite API" in browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text
    # give the token to Authorize, as a user of the page would
    browser.find_element(By.CSS_SELECTOR, "button.authorize").click()
    field = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".modal-ux input[aria-label=auth-bearer-value]")))
    field.send_keys(admin.token)
    browser.find_element(By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper button.authorize").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".modal-ux .auth-btn-wrapper"), "Logout"))
    state = browser.execute_script(
        "return JSON.stringify({authorized: !!window.ui.authSelectors.authorized().size,"
        " local: Object.assign({}, window.localStorage), session: Object.assign({}, window.sessionStorage),"
        " cookie: document.cookie})")
    stored = json.loads(state)
    assert stored["authorized"] is True  # the page holds it in memory ...
    assert stored["local"] == {} and stored["session"] == {} and stored["cookie"] == ""  # ... and nowhere else
    browser.refresh()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    assert browser.execute_script("return window.ui.authSelectors.authorized().size") == 0
    assert csp_violations(browser) == []


def framing_site(target: str) -> Flask:
    """Another origin (another port) whose page frames `target`."""
    app = Flask("framing-site")

    @app.get("/")
    def page():
        return f"<!DOCTYPE html><title>evil</title><iframe id=f src='{target}' width=800 height=600></iframe>"

    return app


@pytest.mark.parametrize("path", ["/api/v1/docs", "/"])
def test_another_site_cannot_frame_the_docs_or_the_portal(browser, gateway_url, path):
    with ServerThread(framing_site(f"{gateway_url}{path}")) as evil:
        browser.get(evil.url)
        WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "f")))
        browser.switch_to.frame("f")
        deadline = time.monotonic() + 5
        loaded = False
        while time.monotonic() < deadline and not loaded:  # a framed page shows within this time
            loaded = browser.execute_script("return !!document.querySelector('#swagger-ui, #view')")
            time.sleep(0.2)
        browser.switch_to.default_content()
    assert not loaded


@pytest.fixture(scope="module")
def short_token_gateway_url(gateway_settings, gateway_config) -> Iterator[str]:
    from gateway.bootstrap import create_app

    app = create_app(gateway_settings, gateway_config.with_(jwt_ttl=2))
    try:
        with ServerThread(app) as server:
            yield server.url
    finally:
        app.extensions["gateway"].dispose()


PORTAL_SESSION_SCRIPT = """
const [username, password, done] = arguments;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  // the access token lives in the module's memory only: read it off the requests it signs
  const seen = [];
  const send = window.fetch;
  window.fetch = (url, options) => {
    const auth = options && options.headers && options.headers.Authorization;
    if (auth) seen.push(auth.slice(7));
    return send(url, options);
  };
  const portal = await import("/portal/js/api.js");
  await portal.login(username, password);
  await portal.api.get("/auth/me");
  const first = seen[seen.length - 1];
  await sleep(2600);                                 // the access token (2 s) has expired
  const me = await portal.api.get("/auth/me");       // 401 -> refresh by cookie -> retried
  const second = seen[seen.length - 1];
  const cookie = document.cookie;
  const storage = JSON.stringify({ ...localStorage, ...sessionStorage });
  await portal.logout();                             // the portal's logout
  await sleep(800);
  let after = null;
  try { await portal.api.get("/auth/me"); } catch (e) { after = e.status; }
  done({ first, second, me: me.username, cookie, storage, after });
})().catch((e) => done({ error: String(e && e.message || e) }));
"""


def test_portal_api_refreshes_through_the_cookie_and_logs_out_on_the_server(browser, short_token_gateway_url,
                                                                          make_user):
    user = make_user("sales")
    browser.get(f"{short_token_gateway_url}/")
    browser.set_script_timeout(20)
    result = browser.execute_async_script(PORTAL_SESSION_SCRIPT, user.user["username"], "secret-pw")
    assert "error" not in result, result
    assert result["me"] == user.user["username"]
    assert result["second"] and result["second"] != result["first"]  # a new access token came
    assert result["cookie"] == ""  # the refresh token is out of the page's reach (HttpOnly)
    assert result["first"] not in result["storage"] and result["second"] not in result["storage"]  # memory only
    assert result["after"] == 401
    for token in (result["first"], result["second"]):  # the session ended on the server
        response = requests.get(f"{short_token_gateway_url}/api/v1/auth/me",
                                headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == 401
