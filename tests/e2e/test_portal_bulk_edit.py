"""Bulk change in real headless Chromium (issue 17.3): a rep filters the customer list, changes
every matching customer's category in the bulk dialog, watches the progress to the end and
undoes it in one step; then changes two selected rows. Both languages name every word."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually
from tests.e2e.portal_browser import (
    By,
    catalogues,
    chromium,
    click_text,
    log_in,
    screenshot,
    script_errors,
    text_in,
    type_into,
    visible,
    wait,
)
from tests.e2e.portal_browser import (
    needs_chromium as _needs_chromium,
)

pytestmark = [pytest.mark.e2e, _needs_chromium]
PASSWORD = "pass-word-1"
LIST_LOADS = "return performance.getEntriesByName('crm:list-ready:customers').length"  # ui/list.js marks each load


def test_bulk_words_in_both_languages():
    words = catalogues()
    keys = {k for k in words["zh"] if k.startswith("bulk.")}
    assert keys and keys == {k for k in words["en"] if k.startswith("bulk.")}


def test_a_rep_changes_the_filtered_customers_and_undoes_it(tmp_path_factory, suite, admin):
    rep = admin.create_user("sales", username=f"rep_bulk_{uuid.uuid4().hex[:8]}", password=PASSWORD)
    tag = uuid.uuid4().hex[:6]
    old, new = f"旧{tag}", f"新{tag}"
    made = [rep.post("/customers", json={"name": f"批量{tag}客户{i}有限公司", "category": old}).json() for i in range(3)]
    words = catalogues()["zh"]

    def categories() -> list[str]:
        return sorted(rep.get(f"/customers/{c['id']}").json()["category"] for c in made)

    with chromium(tmp_path_factory.mktemp("bulk")) as driver:
        log_in(driver, suite.url, rep.user["username"], PASSWORD, route=f"#/customers?category={old}")
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.list tbody tr")) == 3, 40)
        click_text(driver, words["bulk.change_all"])
        visible(driver, ".bulk-dialog")
        type_into(driver, words["bulk.category"], new)
        click_text(driver, words["bulk.start"], ".bulk-dialog button")
        text_in(driver, ".bulk-dialog [data-summary]", "3", 60)
        screenshot(driver, "bulk-edit-done")
        assert categories() == [new] * 3
        click_text(driver, words["bulk.undo"], ".bulk-dialog button")
        click_text(driver, words["action.confirm"], ".modal-actions button")
        wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".bulk-dialog [data-summary]")) == 2, 60)
        assert categories() == [old] * 3
        loads = driver.execute_script(LIST_LOADS)
        click_text(driver, words["action.close"], ".bulk-dialog button")
        wait(driver, lambda d: d.execute_script(LIST_LOADS) > loads, 20)  # the list reloads (selection cleared)

        # two selected rows only
        boxes = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "table.list tbody td.sel input") or False, 20)
        boxes[0].click()
        boxes[1].click()
        click_text(driver, words["bulk.change_selected"], ".bulk-bar button")
        type_into(driver, words["bulk.industry"], "机械")
        click_text(driver, words["bulk.start"], ".bulk-dialog button")
        text_in(driver, ".bulk-dialog [data-summary]", "2", 60)
        industries = eventually(lambda: [rep.get(f"/customers/{c['id']}").json()["industry"] for c in made], timeout=5)
        assert sorted(industries, key=str) == sorted(["机械", "机械", None], key=str)
        assert not script_errors(driver)
