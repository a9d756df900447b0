"""Opportunity source, budget and stage history in the portal (issue 16), in headless Chromium,
in both languages and at 390 px: a rep creates an opportunity with its source and the customer's
budget, moves it a stage on its page, and the 阶段历史 / Stage history tab lists both lines with
who and when; the API agrees."""

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
    type_into,
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
def test_a_rep_records_source_budget_and_sees_the_stage_history(suite, admin, words, lang, size, tmp_path):
    from selenium.webdriver.support.ui import Select

    w = words[lang]
    tag = f"{lang}-{'phone' if size else 'desk'}"
    rep = admin.create_user("sales", username=f"rep_hist_{uuid.uuid4().hex[:8]}", password=PASSWORD,
                            full_name=f"历史销售{uuid.uuid4().hex[:4]}")
    customer = rep.post("/customers", json={"name": f"阶段历史客户{uuid.uuid4().hex[:8]}"}).json()
    kwargs = {"lang": "zh-CN" if lang == "zh" else "en-US"}
    if size:
        kwargs["size"] = size
    with chromium(tmp_path / "profile", **kwargs) as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, f"#/opportunities/new?customer_id={customer['id']}")
        if lang == "en":
            click_text(d, "English", ".topbar .lang-switch button")
        title_is(d, w["opp.new"])
        type_into(d, w["opp.name"], "二期扩产")
        type_into(d, w["opp.amount"], "80000.00")
        type_into(d, w["opp.source"], "展会")
        type_into(d, w["opp.budget"], "120000.00")
        click_text(d, w["action.save"], ".form-actions button")
        visible(d, "[data-testid=opp-stage-badge]")
        opp_id = d.current_url.rsplit("/", 1)[-1]
        text_in(d, "main", "展会")
        text_in(d, "main", "120,000.00")
        Select(visible(d, "[data-testid=opp-stage]")).select_by_value("qualification")
        wait(d, lambda drv: drv.find_element(By.CSS_SELECTOR, "[data-testid=opp-stage-badge]")
             .get_attribute("data-stage") == "qualification")
        click_text(d, w["opp.stage_history"], "[role=tab], .tabs button, .tabs a")
        wait(d, lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "[data-testid=opp-stage-history] tbody tr")) == 2)
        text_in(d, "[data-testid=opp-stage-history]", rep.user["full_name"])
        text_in(d, "[data-testid=opp-stage-history] tbody tr:first-child", words[lang]["stage.qualification"])
        screenshot(d, f"opportunity-stage-history-{tag}", full_height=True)
        if size:
            assert page_width(d) <= size[0] + 1
        assert not script_errors(d)
    opp = rep.get(f"/opportunities/{opp_id}").json()
    assert (opp["source"], opp["budget"], opp["stage"]) == ("展会", "120000.00", "qualification")
    hist = rep.get(f"/opportunities/{opp_id}/stage-history").json()["items"]
    assert [(h["from_stage"], h["to_stage"], h["changed_by"]) for h in hist] == [
        (None, "prospecting", rep.user["id"]), ("prospecting", "qualification", rep.user["id"])]
