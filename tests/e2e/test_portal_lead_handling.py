"""Lead assignment and lead follow-ups in the portal, in headless Chromium, in both languages
and at 390 px (issue 16): a manager opens a rep's lead, assigns it to a teammate with
分配给… / Assign to…, logs a call on it from the lead page; the API agrees (new owner, the
call on the lead)."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.portal_browser import (
    PHONE,
    By,
    catalogues,
    chromium,
    click_text,
    log_in,
    page_width,
    screenshot,
    script_errors,
    text_in,
    title_is,
    visible,
    wait,
)
from tests.e2e.portal_browser import (
    needs_chromium as _needs_chromium,
)

pytestmark = [pytest.mark.e2e, _needs_chromium]
PASSWORD = "pass-word-1"


@pytest.fixture(scope="module")
def words():
    return catalogues()


@pytest.mark.parametrize(("lang", "size"), [("zh", None), ("en", None), ("zh", PHONE)])
def test_a_manager_assigns_a_lead_and_logs_a_call(suite, admin, words, lang, size, tmp_path):
    from selenium.webdriver.support.ui import Select

    w = words[lang]
    tag = f"{lang}-{'phone' if size else 'desk'}"
    manager = admin.create_user("manager", username=f"mgr_lead_{uuid.uuid4().hex[:8]}", password=PASSWORD)
    rep = admin.create_user("sales", manager_id=manager.user["id"], full_name=f"甲销售{uuid.uuid4().hex[:4]}")
    mate = admin.create_user("sales", manager_id=manager.user["id"], full_name=f"乙销售{uuid.uuid4().hex[:4]}")
    lead = rep.post("/leads", json={"name": "周十二", "company": f"南通{uuid.uuid4().hex[:6]}纺织有限公司"}).json()
    kwargs = {"lang": "zh-CN" if lang == "zh" else "en-US"}
    if size:
        kwargs["size"] = size
    with chromium(tmp_path / "profile", **kwargs) as d:
        log_in(d, suite.url, manager.user["username"], PASSWORD, f"#/leads/{lead['id']}")
        if lang == "en":
            click_text(d, "English", ".topbar .lang-switch button")
        title_is(d, lead["name"])
        text_in(d, "#lead-activities-title", w["lead.activities"])
        text_in(d, ".lead-activities", w["lead.no_activities"])
        visible(d, "[data-action=assign-lead]").click()
        text_in(d, ".modal", w["lead.new_owner"])
        select = Select(visible(d, ".modal select"))
        wait(d, lambda drv: any(mate.user["full_name"] in o.text for o in select.options))
        option = next(o for o in select.options if mate.user["full_name"] in o.text)
        select.select_by_visible_text(option.text)
        screenshot(d, f"lead-assign-{tag}")
        click_text(d, w["lead.assign_confirm"], ".modal button")
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, ".modal") == [])
        text_in(d, "main", mate.user["full_name"])

        click_text(d, w["activity_kind.call"], ".lead-activities .kind-buttons button")
        box = visible(d, ".modal textarea")
        box.send_keys("电话确认需求：三台织机")
        click_text(d, w["activity.save"], ".modal button")
        text_in(d, ".lead-activities .activity-list", "电话确认需求：三台织机")
        screenshot(d, f"lead-activities-{tag}", full_height=True)
        if size:
            assert page_width(d) <= size[0] + 1
        assert not script_errors(d)
    assert rep.get(f"/leads/{lead['id']}").status_code == 404
    assert mate.get(f"/leads/{lead['id']}").json()["owner_id"] == mate.user["id"]
    items = mate.get("/activities", params={"lead_id": lead["id"]}).json()["items"]
    assert [(a["kind"], a["summary"], a["author_id"]) for a in items] == [
        ("call", "电话确认需求：三台织机", manager.user["id"])]
