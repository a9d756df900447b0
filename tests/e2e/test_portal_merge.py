"""Merging duplicates in the portal, in headless Chromium, in both languages (issue 17.2): a rep
opens "possible duplicates", compares a pair (both values side by side), takes the duplicate's
address, confirms, sees the contacts on the kept customer, the tombstone points there, and
undoes the merge from the same screen."""

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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_rep_merges_two_duplicates_and_undoes_it(suite, admin, words, lang, tmp_path):
    w = words[lang]
    rep = admin.create_user("sales", username=f"rep_merge_{uuid.uuid4().hex[:8]}", password=PASSWORD)
    phone = "0512-" + str(uuid.uuid4().int)[:8]
    tag = uuid.uuid4().hex[:6]
    keep = rep.post("/customers", json={"name": f"苏州合并保留{tag}有限公司", "phone": phone}).json()
    dup = rep.post("/customers", json={"name": f"苏州合并重复{tag}", "phone": phone,
                                       "address": "苏州工业园区星湖街 328 号"}).json()
    assert rep.post(f"/customers/{dup['id']}/contacts", json={"name": "钱七"}).status_code == 201
    with chromium(tmp_path / "profile", lang="zh-CN" if lang == "zh" else "en-US") as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, "#/customers/duplicates")
        if lang == "en":
            click_text(d, "English", ".topbar .lang-switch button")
        title_is(d, w["duplicates.title"])
        row = visible(d, f"tr[data-pair='{keep['id']}:{dup['id']}']")
        assert w["duplicates.reason.phone"] in row.text
        screenshot(d, f"merge-duplicates-{lang}")
        row.find_element(By.CSS_SELECTOR, "a.button").click()
        title_is(d, w["merge.title"])
        address = visible(d, "tr[data-field=address]")
        assert "星湖街" in address.text
        # the kept customer has no address: the duplicate's is taken unless the rep chooses
        assert address.find_element(By.CSS_SELECTOR, "input[value=duplicate]").is_selected()
        name = d.find_element(By.CSS_SELECTOR, "tr[data-field=name]")
        assert "conflict" in name.get_attribute("class")
        assert name.find_element(By.CSS_SELECTOR, "input[value=keep]").is_selected()
        text_in(d, "main", w["merge.table.contacts"])
        screenshot(d, f"merge-compare-{lang}", full_height=True)
        click_text(d, w["merge.confirm"], ".form-actions button")
        click_text(d, w["merge.confirm"], ".modal button")
        text_in(d, ".merge-done", w["merge.undo"])
        merged = rep.get(f"/customers/{keep['id']}").json()
        assert merged["address"] == "苏州工业园区星湖街 328 号" and merged["name"] == keep["name"]
        assert rep.get(f"/customers/{dup['id']}").json()["merged_into"] == keep["id"]
        screenshot(d, f"merge-done-{lang}")
        click_text(d, w["merge.undo"], ".merge-done button")
        text_in(d, ".merge-done", w["merge.open_duplicate"])
        assert rep.get(f"/customers/{dup['id']}").json()["merged_into"] is None
        assert rep.get(f"/customers/{keep['id']}").json()["address"] is None
        contacts = rep.get("/contacts", params={"customer_id": dup["id"]}).json()["items"]
        assert [c["name"] for c in contacts] == ["钱七"]
        # merged again; the tombstone's page leads to the kept customer, whose page undoes it
        again = rep.post(f"/customers/{keep['id']}/merge", json={"duplicate_id": dup["id"]})
        assert again.status_code == 200, again.text
        d.get(f"{suite.url}/#/customers/{dup['id']}")
        text_in(d, ".merged-into", w["merge.merged_into"])
        click_text(d, w["merge.open_survivor"], ".merged-into a")
        title_is(d, keep["name"])
        click_text(d, w["merge.undo_named"].replace("{name}", dup["name"]), "button.undo-merge")
        click_text(d, w["merge.undo"], ".modal button")
        wait(d, lambda drv: not drv.find_elements(By.CSS_SELECTOR, "button.undo-merge"))
        assert rep.get(f"/customers/{dup['id']}").json()["merged_into"] is None
        assert script_errors(d) == []
    with chromium(tmp_path / "phone", size=PHONE, lang="zh-CN" if lang == "zh" else "en-US") as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD,
               f"#/customers/merge?keep={keep['id']}&duplicate={dup['id']}")
        title_is(d, w["merge.title"])
        wait(d, lambda drv: drv.find_elements(By.CSS_SELECTOR, "tr[data-field=address]"))
        screenshot(d, f"merge-compare-phone-{lang}", full_height=True)
        assert page_width(d) <= 400
