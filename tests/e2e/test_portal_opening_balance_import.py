"""Importing opening balances in the portal, in headless Chromium, in both languages (issue 17):
finance's opening-balance page has the import panel every import page uses; a GBK file with
Chinese headers is previewed (POST /imports/preview, kind opening-balances) with each column's
field in the user's words, imported (POST /imports/opening-balances), the result shows what
was entered and the failed rows (the error file offered), the balances appear in the list,
and the undo removes them; the panel fits a 390 px phone."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.fixtures import eventually
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
    text_in,
    title_is,
    visible,
)

pytestmark = [pytest.mark.e2e, needs_chromium]

PASSWORD = "pass-word-1"


@pytest.fixture(scope="module")
def words():
    return catalogues()


def _language(d, lang: str) -> None:
    click_text(d, "English" if lang == "en" else "中文", ".topbar .lang-switch button")


def _customers(admin, finance, tag: str, n: int) -> list[str]:
    rep = admin.create_user("sales")
    names = [f"网页期初{tag}{i}" for i in range(n)]
    ids = [rep.post("/customers", json={"name": name}).json()["id"] for name in names]

    def known():  # billing's copy follows by events
        found = {i["customer_id"] for i in finance.get("/receivables", params={"q": f"网页期初{tag}"}).json()["items"]}
        return set(ids) <= found or None
    eventually(known, timeout=30, interval=0.3)
    return ids


def _file(tmp_path, tag: str, n: int):
    lines = ["客户名称,期初余额,截止日期,备注"]
    lines += [f"网页期初{tag}{i},{1000 + i},2025-12-31,老系统" for i in range(n)]
    lines.append(f"查无此人{tag},10,,")
    path = tmp_path / f"opening-{tag}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="gbk")
    return path


def _opening(finance, cid: str) -> str:
    return finance.get("/receivables", params={"customer_id": cid}).json()["items"][0]["opening_balance"]


def _open_panel(d, w):
    title_is(d, w["opening.title"])
    click_text(d, w["opening.import"], "summary")
    visible(d, ".import-panel #import-file")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_opening_balances_are_imported_and_undone(suite, admin, words, lang, tmp_path):
    w = words[lang]
    tag = uuid.uuid4().hex[:6]
    me = admin.create_user("finance", username=f"ob_fin_{uuid.uuid4().hex[:8]}", password=PASSWORD)
    ids = _customers(admin, me, tag, 2)
    with chromium(tmp_path / "profile", lang="zh-CN" if lang == "zh" else "en-US") as d:
        log_in(d, suite.url, me.user["username"], PASSWORD, "#/finance/opening")
        _language(d, lang)
        _open_panel(d, w)
        d.find_element(By.ID, "import-file").send_keys(str(_file(tmp_path, tag, 2)))
        text_in(d, ".preview", f"网页期初{tag}0")
        row = visible(d, ".preview tr[data-column='期初余额']")
        assert row.find_element(By.CSS_SELECTOR, "select option:checked").text == w["opening_column.amount"]
        assert d.find_elements(By.CSS_SELECTOR, ".import-mode") == []  # an opening balance is entered once
        screenshot(d, f"opening-import-preview-{lang}", full_height=True)
        click_text(d, w["imports.start"], ".preview button")
        text_in(d, ".import-panel [data-count=created]", "2", 30)
        text_in(d, ".import-panel [data-count=errors]", "1")
        text_in(d, ".import-panel", w["import_error.unknown_customer"].replace("{name}", f"查无此人{tag}"))
        text_in(d, ".import-panel", w["imports.download_errors"])
        text_in(d, ".import-panel table", w["opening_column.customer_name"])
        assert [_opening(me, c) for c in ids] == ["1000.00", "1001.00"]
        text_in(d, "section", f"网页期初{tag}1")  # the opening-balance list shows them
        screenshot(d, f"opening-import-done-{lang}", full_height=True)

        click_text(d, w["imports.undo"], ".import-panel .form-actions button")
        text_in(d, ".modal", w["imports.undo_confirm.opening-balances"][:12])
        click_text(d, w["imports.undo"], ".modal button")
        text_in(d, ".import-panel [data-count=undone]", "2", 30)
        text_in(d, ".import-panel .progress-block", w["import_status.undone"])
        eventually(lambda: [_opening(me, c) for c in ids] == ["0.00", "0.00"] or None, timeout=10)
        assert script_errors(d) == []
    with chromium(tmp_path / "phone", size=PHONE, lang="zh-CN" if lang == "zh" else "en-US") as d:
        log_in(d, suite.url, me.user["username"], PASSWORD, "#/finance/opening")
        _open_panel(d, w)
        d.find_element(By.ID, "import-file").send_keys(str(_file(tmp_path, tag + "p", 1)))
        text_in(d, ".preview", f"网页期初{tag}p0")
        screenshot(d, f"opening-import-phone-{lang}", full_height=True)
        assert page_width(d) <= 400
        assert script_errors(d) == []
