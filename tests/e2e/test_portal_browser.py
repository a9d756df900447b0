"""The portal in headless Chromium (Debian's chromium + chromedriver) against the whole
suite: a sales rep logs in through the page, creates a customer with a Chinese name,
finds it in the list, opens it, adds a contact and sees the timeline fill from events;
duplicate (409) and validation (422) answers show on the form; orders, products and
notifications (badge, list, mark read) work; logout. One screenshot goes to var/portal.png."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.testing.fixtures import eventually

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = Path(__file__).resolve().parents[2] / "var" / "portal.png"
WAIT_S = 10
TIMELINE_WAIT_S = 15

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="needs Debian's chromium and chromium-driver (/usr/bin/chromium, "
                              "/usr/bin/chromedriver): apt-get install chromium chromium-driver"),
]

if CHROMIUM.exists():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[webdriver.Chrome]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", "--lang=zh-CN", "--window-size=1366,900",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver, condition, timeout: float = WAIT_S):
    # the page re-renders tables while we poll: an element found a moment ago may be gone
    from selenium.common.exceptions import StaleElementReferenceException

    return WebDriverWait(driver, timeout, poll_frequency=0.1,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def visible(driver, css: str, timeout: float = WAIT_S):
    return wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout)


def text_in(driver, css: str, text: str, timeout: float = WAIT_S) -> None:
    wait(driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text), timeout)


def fill(form, name: str, value: str) -> None:
    field = form.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def submit(form) -> None:
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def log_in(driver, username: str, password: str) -> None:
    form = visible(driver, "#login-form")
    fill(form, "username", username)
    fill(form, "password", password)
    submit(form)


def script_errors(driver) -> list[str]:
    """Console errors other than the failed requests this test provokes on purpose."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]


def test_a_rep_works_with_customers_in_the_portal(suite, admin, browser):
    rep = admin.create_user("sales", full_name="王小明")
    username = rep.user["username"]
    name = f"杭州西湖龙井茶业有限公司 {uuid.uuid4().hex[:6]}"
    browser.get(suite.url + "/")

    # wrong password: the 401 is explained on the form, the page stays usable
    log_in(browser, username, "not-the-password")
    text_in(browser, "#login-form .form-status", "用户名或密码错误")
    log_in(browser, username, "pass-word-1")
    text_in(browser, "#who-name", "王小明")
    text_in(browser, "#who-role", "销售")
    visible(browser, "table.data")

    # create through the form: 422 next to the field, then created, then 409 with a link
    browser.find_element(By.ID, "new-customer").click()
    form = visible(browser, "#customer-form")
    submit(form)
    visible(browser, '#customer-form .field-error[data-error-for="name"]')
    fill(form, "name", name)
    fill(form, "industry", "茶叶 Tea")
    fill(form, "phone", "0571-8888 1234")
    submit(form)
    text_in(browser, "#customer-name", name)
    customer_id = browser.current_url.rsplit("/", 1)[-1]
    assert uuid.UUID(customer_id)

    browser.get(f"{suite.url}/#/customers/new")
    form = visible(browser, "#customer-form")
    fill(form, "name", name)
    submit(form)
    existing = visible(browser, "#existing-customer")
    assert existing.get_attribute("href").endswith(f"#/customers/{customer_id}")
    assert "duplicate_customer" in form.find_element(By.CSS_SELECTOR, ".form-status").text

    # the list has it, searching finds it, the link opens it
    browser.find_element(By.CSS_SELECTOR, '[data-nav="customers"]').click()
    wait(browser, lambda d: name in d.find_element(By.CSS_SELECTOR, "table.data").text)
    search = visible(browser, "form.toolbar")
    fill(search, "q", "西湖龙井")
    submit(search)
    wait(browser, lambda d: "q=" in d.current_url)
    link = wait(browser, ec.element_to_be_clickable((By.LINK_TEXT, name)))
    link.click()
    text_in(browser, "#customer-name", name)

    # its timeline fills from the customer service's event, newest first
    text_in(browser, "#timeline", name, TIMELINE_WAIT_S)
    first = browser.find_element(By.CSS_SELECTOR, "#timeline .tl-item")
    assert first.get_attribute("data-type") == "customer.customer.created"
    assert "王小明" in first.text

    # a contact added here shows in the table and, a moment later, on top of the timeline
    contact = visible(browser, "#contact-form")
    fill(contact, "name", "李经理")
    fill(contact, "email", "not-an-email")
    submit(contact)
    visible(browser, '#contact-form .field-error[data-error-for="email"]')
    fill(contact, "email", "li@example.cn")
    submit(contact)
    wait(browser, lambda d: "李经理" in d.find_element(By.CSS_SELECTOR, "section.card table.data").text)
    wait(browser, lambda d: "李经理" in d.find_element(By.CSS_SELECTOR, "#timeline .tl-item").text,
         TIMELINE_WAIT_S)
    browser.execute_script("window.scrollTo(0, 0)")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))

    # a complaint assigned to the rep: the badge counts it, the list shows it, reading clears it
    complaint = rep.post("/complaints", json={"customer_id": customer_id, "subject": "包装破损",
                                              "assignee_id": rep.user["id"]})
    assert complaint.status_code == 201, complaint.text
    eventually(lambda: rep.get("/notifications").json()["unread"] == 1, interval=0.2)
    browser.find_element(By.CSS_SELECTOR, '[data-nav="notifications"]').click()
    text_in(browser, "#notify-badge", "1")
    text_in(browser, "ul.notes li.unread", "包装破损")
    browser.find_element(By.CSS_SELECTOR, "ul.notes li.unread button").click()
    visible(browser, "ul.notes li.read")
    wait(browser, lambda d: not d.find_element(By.ID, "notify-badge").is_displayed())

    # read-only pages answer from the API (an empty list is a table too, never an error box)
    for page in ("orders", "products"):
        browser.find_element(By.CSS_SELECTOR, f'[data-nav="{page}"]').click()
        wait(browser, lambda d, p=page: d.current_url.endswith(f"#/{p}"))
        visible(browser, "#view table.data")
        assert not browser.find_elements(By.CSS_SELECTOR, "#view .error"), page

    # a customer the rep may not see is the API's 404 message, not a broken page
    browser.get(f"{suite.url}/#/customers/{uuid.uuid4()}")
    visible(browser, "#view .error")
    assert "not_found" in browser.find_element(By.CSS_SELECTOR, "#view .error").text

    browser.find_element(By.ID, "logout").click()
    visible(browser, "#login-form")
    assert browser.execute_script("return sessionStorage.length") == 0
    assert script_errors(browser) == []
