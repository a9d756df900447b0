"""The customer side of a rep's day in the portal, in headless Chromium against the whole
suite: create a customer with a custom field, add a contact, log a visit from the customer
page, convert a lead (with an opportunity) and land on the new customer, meet a colleague's
customer by name (who owns it, never the record) and ask them to share it (the owner is
notified), and never see another rep's customer in the list or in Ctrl+K.

PORTAL_DEV_URL=http://127.0.0.1:<port> runs it against an already running dev suite
(run_suite.py) instead of starting one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from shared.testing.fixtures import eventually
from shared.testing.suite import ApiClient
from tests.e2e.portal_browser import replace_text

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 15

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)"),
]

if CHROMIUM.exists():
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "Portal-pass-2026!"


@pytest.fixture(scope="module")
def target(request):
    dev = os.environ.get("PORTAL_DEV_URL")
    if dev:
        return SimpleNamespace(url=dev.rstrip("/"), admin_password="admin-pass-Ω1")
    return request.getfixturevalue("suite")


@pytest.fixture(scope="module")
def people(target):
    """A manager with rep A; rep B in no team; a (not required) custom field on customers."""
    admin = ApiClient.login(target.url, "admin", target.admin_password)
    tag = uuid.uuid4().hex[:6]

    def make(role, name, manager=None):
        body = {"username": f"{role}_{tag}_{name}", "password": PASSWORD, "full_name": f"{name}{tag[:3]}",
                "role": role, "manager_id": manager}
        r = admin.post("/users", json=body)
        assert r.status_code == 201, r.text
        return ApiClient.login(target.url, body["username"], PASSWORD)

    manager = make("manager", "李经理")
    rep_a = make("sales", "王芳", manager.user["id"])
    rep_b = make("sales", "赵磊")
    field = f"采购周期{tag}"
    r = admin.post("/custom-fields", json={"name": field, "type": "text", "required": False})
    assert r.status_code == 201, r.text
    return SimpleNamespace(admin=admin, manager=manager, a=rep_a, b=rep_b, tag=tag, field=field, url=target.url)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[webdriver.Chrome]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--lang=zh-CN", "--window-size=1366,900",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-customer-side')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


SHOTS = Path(__file__).resolve().parents[2] / "var"


def wait(driver, condition, timeout: float = WAIT_S):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=(StaleElementReferenceException,)).until(condition)
    except Exception:
        SHOTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(SHOTS / "portal-customer-side-failure.png"))  # what the page showed
        raise


def css(driver, selector: str, timeout: float = WAIT_S):
    return wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, selector)), timeout)


def button(driver, text: str, within: str = "body", timeout: float = WAIT_S):
    """The visible button (or link styled as one) whose text contains `text`."""
    xpath = (f"//*[self::button or self::a or self::summary][contains(normalize-space(.), '{text}')]")

    def find(d):
        scope = d.find_element(By.CSS_SELECTOR, within)
        return next((e for e in scope.find_elements(By.XPATH, "." + xpath) if e.is_displayed() and e.is_enabled()), None)
    return wait(driver, find, timeout)


def field(driver, label: str, within: str = "body"):
    """The input of a form field by its label's text."""
    def find(d):
        scope = d.find_element(By.CSS_SELECTOR, within)
        for lab in scope.find_elements(By.CSS_SELECTOR, "label[for]"):
            if lab.text.replace("*", "").strip() == label and lab.is_displayed():
                return scope.find_element(By.ID, lab.get_attribute("for"))
        return None
    return wait(driver, find)


def type_into(driver, label: str, text: str, within: str = "body") -> None:
    replace_text(field(driver, label, within), text)


def text_in(driver, selector: str, text: str, timeout: float = WAIT_S) -> None:
    wait(driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text), timeout)


def go(driver, people, route: str) -> None:
    driver.get(f"{people.url}/#{route}")


def title(driver, text: str) -> None:
    text_in(driver, "#page-title", text)


def log_in(driver, people, client) -> None:
    go(driver, people, "/login")
    css(driver, "#login-username").send_keys(client.user["username"])
    driver.find_element(By.ID, "login-password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    css(driver, ".topbar")


def script_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "favicon" not in e["message"] and "/auth/refresh" not in e["message"]]


def test_a_rep_s_customer_side_of_the_day(people, browser):
    d = browser
    log_in(d, people, people.a)
    # 1. a new customer with a custom field
    name = f"华东{people.tag}机电设备有限公司"
    go(d, people, "/customers/new")
    title(d, "新建客户")
    type_into(d, "客户名称", name)
    type_into(d, "行业", "制造业")
    type_into(d, people.field, "每季度")
    button(d, "保存", "form.form").click()
    title(d, name)
    customer_id = d.current_url.split("/customers/")[1].split("?")[0]
    saved = people.a.get(f"/customers/{customer_id}").json()
    assert saved["custom_fields"] == {people.field: "每季度"} and saved["industry"] == "制造业"
    text_in(d, ".details", "每季度")

    # 2. a contact, decision maker
    button(d, "联系人", ".tab-list").click()
    button(d, "添加联系人").click()
    type_into(d, "姓名", "张伟", "form.form")
    type_into(d, "电话", "13800138000", "form.form")
    field(d, "决策人", "form.form").click()
    button(d, "保存", "form.form").click()
    text_in(d, "ul.cards", "张伟")
    [contact] = people.a.get("/contacts", params={"customer_id": customer_id}).json()["items"]
    assert contact["is_decision_maker"] is True and contact["phone"] == "13800138000"

    # 3. a visit in two clicks from the header, then what happened
    button(d, "记录活动", ".page-actions").click()
    button(d, "拜访", ".page-actions").click()
    text_in(d, "#activity-title", "记录拜访")
    type_into(d, "内容", "拜访采购部，讨论年度框架协议", ".modal")
    button(d, "保存记录", ".modal").click()
    wait(d, lambda x: not x.find_elements(By.CSS_SELECTOR, ".modal"))
    [visit] = people.a.get("/activities", params={"customer_id": customer_id}).json()["items"]
    assert visit["kind"] == "visit" and visit["summary"] == "拜访采购部，讨论年度框架协议"
    button(d, "拜访与活动", ".tab-list").click()
    text_in(d, ".activity-list", "讨论年度框架协议")

    # 4. a lead converted with an opportunity opens the new customer
    company = f"宁波{people.tag}包装有限公司"
    lead = people.a.post("/leads", json={"name": "李四", "company": company, "phone": "13900001111"}).json()
    go(d, people, f"/leads/{lead['id']}")
    title(d, "李四")
    button(d, "转为客户", ".page-actions").click()
    field(d, "同时创建商机", ".panel").click()
    type_into(d, "商机名称", "包装线改造", ".panel")
    type_into(d, "预计金额（元）", "120000", ".panel")
    button(d, "转为客户", ".panel form").click()
    title(d, company)
    converted = people.a.get(f"/leads/{lead['id']}").json()
    assert converted["status"] == "converted" and converted["opportunity_id"]
    assert d.current_url.endswith(f"/customers/{converted['customer_id']}")

    # 5. a colleague's customer: who owns it, a share request, the owner notified
    theirs = people.b.post("/customers", json={"name": f"广州{people.tag}南方贸易有限公司",
                                               "phone": "020-8888 7777", "industry": "贸易"}).json()
    go(d, people, "/customers/new")
    title(d, "新建客户")
    type_into(d, "客户名称", f"广州{people.tag}南方贸易")
    owner = people.b.user["full_name"]
    text_in(d, ".hint", owner)
    hint = css(d, ".hint").text
    assert "020-8888 7777" not in d.page_source and "贸易有限公司" not in hint
    button(d, f"请求 {owner} 共享给我", ".hint").click()
    text_in(d, ".hint", f"已通知 {owner}")

    def notified():
        items = people.b.get("/notifications").json()["items"]
        return next((n for n in items if n["kind"] == "share_requested"), None)
    note = eventually(notified, timeout=20)
    assert note["subject_type"] == "customer" and note["subject_id"] == theirs["id"]
    assert people.a.user["full_name"] in note["message_zh"]

    # 6. never in the rep's list or Ctrl+K
    go(d, people, f"/customers?q=广州{people.tag}")
    title(d, "客户")
    text_in(d, ".empty", "没有符合条件的记录")
    assert theirs["name"] not in d.page_source
    ActionChains(d).key_down(Keys.CONTROL).send_keys("k").key_up(Keys.CONTROL).perform()
    search = css(d, "#global-search")
    search.send_keys(f"{people.tag}")
    text_in(d, "#search-results", name)  # their own customer is found ...
    assert theirs["name"] not in css(d, "#search-results").text  # ... the colleague's is not
    search.send_keys(Keys.ESCAPE)

    assert script_errors(d) == []
