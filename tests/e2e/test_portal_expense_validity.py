"""报销有效期 in the portal (issue 16): a rep claims an expense with the day it was incurred;
one older than the validity period (90 days by default) is refused under its date field with
the last day it could have been claimed, in Chinese and English, and nothing is saved; a recent
one is saved and its page and the list show its date."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.e2e.portal_browser import (
    PHONE,
    By,
    catalogues,
    chromium,
    click_text,
    log_in,
    needs_chromium,
    page_width,
    screenshot,
    script_errors,
    set_date,
    text_in,
    title_is,
    type_into,
    visible,
    wait,
)

pytestmark = [pytest.mark.e2e, needs_chromium]

PASSWORD = "pass-word-1"


@pytest.mark.parametrize("lang,size", [("zh", None), ("en", PHONE)])
def test_a_claim_past_the_deadline_is_refused_and_a_recent_one_is_saved(suite, admin, tmp_path, lang, size):
    words = catalogues()[lang]
    rep = admin.create_user("sales")
    description = f"出租车 {uuid.uuid4().hex[:6]}"
    today = date.today()
    old_day, recent_day = today - timedelta(days=120), today - timedelta(days=10)
    last_day = (old_day + timedelta(days=90)).isoformat()
    with chromium(tmp_path / lang, **({"size": size} if size else {})) as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, route="#/expenses/new")
        if lang == "en":
            d.execute_script("localStorage.setItem('crm.lang', 'en')")
            d.refresh()
        title_is(d, words["expense.new"])
        type_into(d, words["expense.amount"], "86.50")
        type_into(d, words["expense.category"], "交通")
        type_into(d, words["expense.description"], description)
        set_date(d, words["expense.incurred_on"], old_day.isoformat())
        click_text(d, words["expense.submit"], "form button[type=submit]")
        error = visible(d, ".field.has-error small.error")
        assert error.text == words["field.expense_expired"].replace("{until}", last_day)
        if size:
            assert page_width(d) <= PHONE[0]
        screenshot(d, f"expense-past-deadline-{lang}{'-phone' if size else ''}")
        assert rep.get("/expenses", params={"submitter_id": rep.user["id"]}).json()["total"] == 0

        set_date(d, words["expense.incurred_on"], recent_day.isoformat())
        click_text(d, words["expense.submit"], "form button[type=submit]")
        wait(d, lambda x: "#/expenses/" in x.current_url and not x.current_url.endswith("/new"))
        saved = rep.get("/expenses", params={"submitter_id": rep.user["id"]}).json()["items"]
        assert [(e["incurred_on"], e["description"]) for e in saved] == [(recent_day.isoformat(), description)]
        shown = d.execute_script(
            "return new Intl.DateTimeFormat(arguments[0], {year: 'numeric', month: '2-digit', day: '2-digit'})"
            ".format(new Date(arguments[1] + 'T00:00:00'))", "zh-CN" if lang == "zh" else "en-US", recent_day.isoformat())
        text_in(d, "section.record", shown)
        d.get(f"{suite.url}/#/expenses")
        title_is(d, words["expenses.title"])
        text_in(d, "table.list, .list", shown)
        assert not d.find_elements(By.CSS_SELECTOR, ".error-page")
        assert script_errors(d) == []
