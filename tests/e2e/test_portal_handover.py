"""A rep leaving, in the portal (issue 16), in headless Chromium, in both languages and at
390 px: on the admin's user page, 移交给… / Hand over to… on the rep's row, the colleague
chosen, the job's progress until done, the leads, tasks and opportunities counted; the API
agrees that the colleague owns everything."""

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
def test_an_admin_hands_a_leaving_reps_work_over(suite, admin, words, lang, size, tmp_path):
    from selenium.webdriver.support.ui import Select

    w = words[lang]
    tag = f"{lang}-{'phone' if size else 'desk'}"
    boss = admin.create_user("admin", username=f"adm_ho_{uuid.uuid4().hex[:8]}", password=PASSWORD)
    manager = admin.create_user("manager")
    rep = admin.create_user("sales", manager_id=manager.user["id"], username=f"leaving_{uuid.uuid4().hex[:8]}",
                            full_name=f"离职销售{uuid.uuid4().hex[:4]}")
    mate = admin.create_user("sales", manager_id=manager.user["id"], full_name=f"接手销售{uuid.uuid4().hex[:4]}")
    made = [rep.post("/customers", json={"name": f"移交客户{uuid.uuid4().hex[:8]}"}).json() for _ in range(3)]
    rep.post("/leads", json={"name": f"移交线索{uuid.uuid4().hex[:6]}"})
    opp = rep.post("/opportunities", json={"customer_id": made[0]["id"], "name": "框架协议", "amount": "1000.00",
                                           "stage": "proposal"}).json()
    kwargs = {"lang": "zh-CN" if lang == "zh" else "en-US"}
    if size:
        kwargs["size"] = size
    with chromium(tmp_path / "profile", **kwargs) as d:
        log_in(d, suite.url, boss.user["username"], PASSWORD, f"#/admin/users?q={rep.user['username']}")
        if lang == "en":
            click_text(d, "English", ".topbar .lang-switch button")
        text_in(d, "main", rep.user["full_name"])
        visible(d, "[data-action=handover]").click()
        text_in(d, ".modal", w["handover.to"])
        select = Select(visible(d, ".modal select"))
        wait(d, lambda drv: any(mate.user["full_name"] in o.text for o in select.options))
        select.select_by_visible_text(next(o.text for o in select.options if mate.user["full_name"] in o.text))
        click_text(d, w["handover.next"], ".modal button")
        text_in(d, ".modal.handover", mate.user["full_name"])
        screenshot(d, f"handover-confirm-{tag}")
        click_text(d, w["handover.start"], ".modal.handover button")
        visible(d, ".modal.handover [data-job-status=done]", 60)
        text_in(d, ".modal.handover [data-progress]", "3")
        done = w["handover.opportunities"].split("{")[0]
        text_in(d, ".modal.handover [data-opportunities]", done, 60)
        screenshot(d, f"handover-done-{tag}")
        if size:
            assert page_width(d) <= size[0] + 1
        click_text(d, w["handover.close"], ".modal.handover button")
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, ".modal.handover") == [])
        assert not script_errors(d)
    assert mate.get("/customers").json()["total"] == 3
    assert rep.get("/customers").json()["total"] == 0
    assert mate.get(f"/opportunities/{opp['id']}").json()["owner_id"] == mate.user["id"]
    assert mate.get("/leads").json()["total"] == 1
