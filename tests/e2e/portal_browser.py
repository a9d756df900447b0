"""Driving the portal in headless Chromium (Debian's chromium + chromium-driver, through
selenium): the browser fixture factory, waits that tolerate re-rendering, logging in through
the page, and the console errors a test must not leave behind."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WAIT_S = 20  # a wait ends as soon as its condition holds; 10 s was short beside a running suite on 2 cores
DESKTOP = (1366, 900)
PHONE = (390, 844)

needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (make test installs them)")

if CHROMIUM.exists():
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
else:  # pragma: no cover - the tests are skipped
    By = Keys = ec = None  # type: ignore[assignment]


@contextmanager
def chromium(profile: Path, size: tuple[int, int] = DESKTOP, lang: str = "zh-CN") -> Iterator[Any]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--no-default-browser-check", f"--lang={lang}",
                f"--window-size={size[0]},{size[1]}", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    if size[0] < 500:  # headless windows are at least 500 px wide: emulate the phone's viewport
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": True})
    try:
        yield driver
    except Exception:
        keep_failure(driver, profile)
        raise
    finally:
        driver.quit()


def keep_failure(driver: Any, profile: Path) -> None:
    """What the page showed when a browser test failed: a screenshot and a text file with the
    address, the title and the browser's console, under var/screenshots/failed/."""
    try:
        out = SCREENSHOTS / "failed"
        out.mkdir(parents=True, exist_ok=True)
        name = f"{profile.parent.name}-{profile.name}"[:120]
        driver.save_screenshot(str(out / f"{name}.png"))
        title = driver.execute_script("const t = document.querySelector('#page-title'); return t ? t.textContent : null")
        console = "\n".join(f"{e.get('level')} {e.get('message')}" for e in driver.get_log("browser"))
        (out / f"{name}.txt").write_text(f"url: {driver.current_url}\npage title: {title}\n\nconsole:\n{console}\n")
        print(f"\nbrowser at the failure: {out / name}.png (.txt): {driver.current_url}, title {title!r}")
    except Exception as exc:  # noqa: BLE001 - the test's own failure is what matters
        print(f"\n(could not keep the browser's state: {exc})")


def wait(driver: Any, condition: Callable[[Any], Any], timeout: float = WAIT_S) -> Any:
    return WebDriverWait(driver, timeout, poll_frequency=0.1,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def visible(driver: Any, css: str, timeout: float = WAIT_S) -> Any:
    return wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout)


def text_in(driver: Any, css: str, text: str, timeout: float = WAIT_S) -> None:
    wait(driver, ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text), timeout)


def title_is(driver: Any, text: str, timeout: float = WAIT_S) -> None:
    text_in(driver, "#page-title", text, timeout)


def click_text(driver: Any, text: str, css: str = "button, a", timeout: float = WAIT_S) -> None:
    """Click the first visible button or link whose text contains `text`."""
    def find(d: Any) -> Any:
        for element in d.find_elements(By.CSS_SELECTOR, css):
            if text in element.text and element.is_displayed() and element.is_enabled():
                return element
        return False
    wait(driver, find, timeout).click()


def field(driver: Any, label: str, timeout: float = WAIT_S) -> Any:
    """The input a visible <label> names (labels are on every input)."""
    def find(d: Any) -> Any:
        for element in d.find_elements(By.CSS_SELECTOR, "label[for]"):
            if element.is_displayed() and element.text.replace("*", "").strip() == label:
                return d.find_element(By.ID, element.get_attribute("for"))
        return False
    return wait(driver, find, timeout)


def replace_text(element: Any, value: str, attempts: int = 5) -> Any:
    """Replace what a controlled input holds with `value`, the way a user does (select all, type).

    `clear()` empties the box without an input event, so a re-render that lands before the
    typing (a price or a preview answering) puts the old value back and the keys append to
    it ("1" + "3" = "13"); select-all-and-type is one input event, and the value is checked.
    """
    for _ in range(attempts):
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE) if value == "" else element.send_keys(value)
        try:
            WebDriverWait(element.parent, 2, poll_frequency=0.05).until(
                lambda _d: element.get_attribute("value") == value)
            return element
        except TimeoutException:
            continue
    raise AssertionError(f"the input kept {element.get_attribute('value')!r}, not {value!r}")


def set_date(driver: Any, label: str, day: str) -> Any:
    """Put YYYY-MM-DD into a date input (typing into one depends on the browser's locale)
    the way the picker does: the value set, then one input event; checked."""
    element = field(driver, label)
    driver.execute_script(
        "const [el, v] = arguments;"
        "Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, v);"
        "el.dispatchEvent(new Event('input', {bubbles: true}));", element, day)
    wait(driver, lambda _d: element.get_attribute("value") == day)
    return element


def type_into(driver: Any, label: str, value: str) -> Any:
    return replace_text(field(driver, label), value)


def choose(driver: Any, label: str, option_text: str) -> None:
    from selenium.webdriver.support.ui import Select
    element = field(driver, label)
    wait(driver, lambda d: any(option_text in o.text for o in Select(element).options))
    select = Select(element)
    for option in select.options:
        if option_text in option.text:
            select.select_by_visible_text(option.text)
            return


def log_in(driver: Any, base_url: str, username: str, password: str, route: str = "") -> None:
    driver.get(f"{base_url}/{route}")
    user = visible(driver, "#login-username", 20)
    user.send_keys(username)
    driver.find_element(By.ID, "login-password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    wait(driver, lambda d: not d.find_elements(By.ID, "login-username"), 20)


def script_errors(driver: Any) -> list[str]:
    """Console errors other than refused requests (a 401 refresh at start, a 409 on purpose)."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]


def screenshot(driver: Any, name: str, full_height: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if full_height:
        width = driver.execute_script("return window.innerWidth")
        height = min(max(driver.execute_script("return document.documentElement.scrollHeight"), 600), 4000)
        if width < 500:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
        else:
            driver.set_window_size(width, height)
    driver.save_screenshot(str(path))
    return path


def page_width(driver: Any) -> int:
    return int(driver.execute_script("return document.documentElement.scrollWidth"))


def catalogues() -> dict[str, dict[str, str]]:
    """Every message of the portal's catalogues ({"zh": {...}, "en": {...}}), read with node
    from the modules the browser runs, so tests find buttons by the words users see."""
    import json
    import subprocess

    folder = Path(__file__).resolve().parents[2] / "gateway" / "portal" / "static" / "js" / "i18n"
    script = ("const fs = require('fs'); const out = {zh: {}, en: {}};"
              "(async () => { for (const f of fs.readdirSync(process.argv[1]).sort()) {"
              "const m = await import(require('path').join(process.argv[1], f));"
              "Object.assign(out.zh, m.default.zh); Object.assign(out.en, m.default.en); }"
              "console.log(JSON.stringify(out)); })();")
    answer = subprocess.run(["node", "-e", script, str(folder)], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(answer.stdout)


# Dragging a kanban card onto a column: HTML5 drag and drop events with one DataTransfer.
DRAG = """
const [card, column] = arguments;
const data = new DataTransfer();
const fire = (el, type) => el.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: data}));
fire(card, "dragstart"); fire(column, "dragenter"); fire(column, "dragover"); fire(column, "drop"); fire(card, "dragend");
"""


def pick_product(driver: Any, row: Any, sku: str, timeout: float = 15) -> None:
    """Choose a product in a quote or order line's picker by its SKU."""
    box = row.find_element(By.CSS_SELECTOR, ".line-product input")
    box.send_keys(sku)
    option = wait(driver, lambda d: next((o for o in row.find_elements(By.CSS_SELECTOR, "li[role=option]")
                                          if sku in o.text), None), timeout)
    option.click()


def set_field(row: Any, name: str, value: str) -> None:
    """Replace the value of the input called `name` inside row."""
    replace_text(row.find_element(By.NAME, name), value)
