"""Competitors in the portal, in headless Chromium, in both languages (issue 16): a rep records
a competitor on the competitors page, names it on a new opportunity with the form's picker,
marks the opportunity lost and answers 输给了哪家竞争对手 / Lost to which competitor; the
opportunity's page names the winner and the API agrees."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.portal_browser import (
    By,
    catalogues,
    chromium,
    click_text,
    log_in,
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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_rep_records_a_competitor_and_loses_an_opportunity_to_it(suite, admin, words, lang, tmp_path):
    from selenium.webdriver.support.ui import Select

    w = words[lang]
    rep = admin.create_user("sales", username=f"rep_comp_{uuid.uuid4().hex[:8]}", password=PASSWORD)
    customer = rep.post("/customers", json={"name": f"竞品测试客户{uuid.uuid4().hex[:8]}"}).json()
    name = f"恒力机电{uuid.uuid4().hex[:6]}"
    with chromium(tmp_path / "profile", lang="zh-CN" if lang == "zh" else "en-US") as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, "#/competitors")
        if lang == "en":
            click_text(d, "English", ".topbar .lang-switch button")
        title_is(d, w["competitors.title"])
        click_text(d, w["competitors.new"], "a.button")
        type_into(d, w["competitor.name"], name)
        type_into(d, w["competitor.strengths"], "价格低")
        click_text(d, w["action.save"], ".form-actions button")
        title_is(d, w["competitors.title"])
        text_in(d, "main", name)
        screenshot(d, f"competitors-list-{lang}")

        d.get(f"{suite.url}/#/opportunities/new?customer_id={customer['id']}")
        title_is(d, w["opp.new"])
        type_into(d, w["opp.name"], "年度采购")
        type_into(d, w["opp.amount"], "1500.00")

        def tick(drv):
            for label in drv.find_elements(By.CSS_SELECTOR, "[data-testid=opp-competitor-ids] label.check"):
                if name in label.text:
                    return label
            return False
        wait(d, tick).find_element(By.CSS_SELECTOR, "input").click()
        screenshot(d, f"competitors-opportunity-form-{lang}", full_height=True)
        click_text(d, w["action.save"], ".form-actions button")
        badge = visible(d, "[data-testid=opp-stage-badge]")
        opp_id = d.current_url.rsplit("/", 1)[-1]
        text_in(d, "main", name)
        assert badge.get_attribute("data-stage") == "prospecting"

        Select(visible(d, "[data-testid=opp-stage]")).select_by_value("lost")
        visible(d, ".modal textarea").send_keys("价格高")
        click_text(d, w["action.confirm"], ".modal button")
        text_in(d, ".modal", w["opp.lost_to"])
        Select(visible(d, ".modal select")).select_by_visible_text(name)
        screenshot(d, f"competitors-lost-to-{lang}")
        click_text(d, w["action.confirm"], ".modal button")
        wait(d, lambda drv: drv.find_element(By.CSS_SELECTOR, "[data-testid=opp-stage-badge]")
             .get_attribute("data-stage") == "lost")
        text_in(d, "[data-testid=opp-lost-to]", name)
        screenshot(d, f"competitors-opportunity-lost-{lang}")
        assert not script_errors(d)
    opp = rep.get(f"/opportunities/{opp_id}").json()
    [competitor] = rep.get("/competitors", params={"q": name}).json()["items"]
    assert opp["stage"] == "lost" and opp["lost_reason"] == "价格高"
    assert opp["competitor_ids"] == [competitor["id"]] and opp["lost_to_competitor_id"] == competitor["id"]
