"""Importing products in the portal, in headless Chromium, in both languages (issue 17): the
catalogue page's import panel (the same one the customer import page uses) previews a file
with Chinese headers through POST /imports/preview (kind products), shows which field each
column fills, imports it with POST /imports/products while the progress bar runs, offers the
failed row, and undoes the import; an import whose product has had stock moved is refused
with the product and the reason in the user's words; and the panel fits a 390 px phone."""

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
    needs_chromium,
    page_width,
    screenshot,
    script_errors,
    text_in,
    title_is,
    visible,
    wait,
)

pytestmark = [pytest.mark.e2e, needs_chromium]

PASSWORD = "pass-word-1"


@pytest.fixture(scope="module")
def words():
    return catalogues()


def _file(tmp_path, tag: str, rows: int = 3, bad: bool = True):
    lines = ["产品编号,品名,规格,单位,单价,备注"]
    lines += [f"PI-{tag}-{i},网页导入泵{tag}{i},G{i},台,{100 + i},x" for i in range(rows)]
    if bad:
        lines.append(f"PI-{tag}-bad,坏价格{tag},,个,abc,x")
    path = tmp_path / f"products-{tag}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="gbk")
    return path


def _own_admin(admin):
    """An administrator of this test's own (the language chosen on the page is kept per user)."""
    return admin.create_user("admin", username=f"pi_admin_{uuid.uuid4().hex[:8]}", password=PASSWORD)


def _language(d, lang: str) -> None:
    """The language chosen on the page (the admin's choice is kept between logins)."""
    click_text(d, "English" if lang == "en" else "中文", ".topbar .lang-switch button")


def _open_panel(d, w):
    title_is(d, w["products.admin"])
    click_text(d, w["products.import"], "summary")
    visible(d, ".import-panel #import-file")


def _products(admin, tag: str) -> list[str]:
    return [p["sku"] for p in admin.get("/products", params={"q": f"PI-{tag}"}).json()["items"]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_products_are_imported_with_mapping_and_undone(suite, admin, words, lang, tmp_path):
    w = words[lang]
    tag = uuid.uuid4().hex[:6]
    me = _own_admin(admin)
    with chromium(tmp_path / "profile", lang="zh-CN" if lang == "zh" else "en-US") as d:
        log_in(d, suite.url, me.user["username"], PASSWORD, "#/catalogue")
        _language(d, lang)
        _open_panel(d, w)
        d.find_element(By.ID, "import-file").send_keys(str(_file(tmp_path, tag)))
        text_in(d, ".preview", f"网页导入泵{tag}0")
        # the Chinese headers were recognised as product fields, in the user's words
        row = visible(d, ".preview tr[data-column='单价']")
        assert row.find_element(By.CSS_SELECTOR, "select option:checked").text == w["product_column.list_price"]
        ignored = d.find_element(By.CSS_SELECTOR, ".preview tr[data-column='备注'] select option:checked")
        assert ignored.text == w["imports.ignore"]
        text_in(d, ".import-mode", w["imports.mode_upsert.products"])
        screenshot(d, f"product-import-preview-{lang}", full_height=True)
        click_text(d, w["imports.start"], ".preview button")
        bar = visible(d, ".import-panel [role=progressbar]")
        wait(d, lambda x: bar.get_attribute("aria-valuenow") == "100", 60)
        text_in(d, ".import-panel [data-count=created]", "3", 30)
        text_in(d, ".import-panel [data-count=errors]", "1")
        text_in(d, ".import-panel", w["imports.download_errors"])
        assert sorted(_products(admin, tag)) == [f"PI-{tag}-{i}" for i in range(3)]
        screenshot(d, f"product-import-done-{lang}", full_height=True)

        click_text(d, w["imports.undo"], ".import-panel .form-actions button")
        text_in(d, ".modal", w["imports.undo_confirm.products"][:12])
        click_text(d, w["imports.undo"], ".modal button")
        wait(d, lambda x: _products(admin, tag) == [], 60)
        text_in(d, ".import-panel [data-count=undone]", "3", 30)  # the panel follows the undo to its end
        text_in(d, ".import-panel .progress-block", w["import_status.undone"])
        assert script_errors(d) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_undo_refused_names_the_product_in_use(suite, admin, words, lang, tmp_path):
    w = words[lang]
    tag = uuid.uuid4().hex[:6]
    me = _own_admin(admin)
    with chromium(tmp_path / "profile", lang="zh-CN" if lang == "zh" else "en-US") as d:
        log_in(d, suite.url, me.user["username"], PASSWORD, "#/catalogue")
        _language(d, lang)
        _open_panel(d, w)
        d.find_element(By.ID, "import-file").send_keys(str(_file(tmp_path, tag, rows=2, bad=False)))
        text_in(d, ".preview", f"网页导入泵{tag}0")
        click_text(d, w["imports.start"], ".preview button")
        text_in(d, ".import-panel [data-count=created]", "2", 60)
        [used] = [p for p in admin.get("/products", params={"q": f"PI-{tag}-0"}).json()["items"]]
        wh = admin.post("/warehouses", json={"code": f"PI-{tag}", "name": "网页仓"}).json()
        r = admin.post("/stock/receipts", json={"warehouse_id": wh["id"],
                                                "lines": [{"product_id": used["id"], "quantity": 1}]})
        assert r.status_code == 201, r.text
        click_text(d, w["imports.undo"], ".import-panel .form-actions button")
        click_text(d, w["imports.undo"], ".modal button")
        refusal = visible(d, ".import-panel [data-undo-refused]")
        text_in(d, ".import-panel [data-undo-refused]", f"PI-{tag}-0")
        assert w["import_use.stock"] in refusal.text and w["error.import_in_use"] in refusal.text
        screenshot(d, f"product-import-undo-refused-{lang}", full_height=True)
        assert sorted(_products(admin, tag)) == [f"PI-{tag}-0", f"PI-{tag}-1"]
        assert script_errors(d) == []
    with chromium(tmp_path / "phone", size=PHONE, lang="zh-CN" if lang == "zh" else "en-US") as d:
        log_in(d, suite.url, me.user["username"], PASSWORD, "#/catalogue")  # in the language just chosen
        _open_panel(d, w)
        d.find_element(By.ID, "import-file").send_keys(str(_file(tmp_path, tag + "p")))
        text_in(d, ".preview", f"网页导入泵{tag}p0")
        screenshot(d, f"product-import-phone-{lang}", full_height=True)
        assert page_width(d) <= 400
        assert script_errors(d) == []
