"""A product's picture in the portal through the whole suite (issue 16.4): the warehouse
uploads one on the product's page (shrunk by the server to 800 px); a rep sees it on the
same page, on a phone, without the upload buttons."""

from __future__ import annotations

import uuid

import pytest
from PIL import Image

from tests.e2e.portal_browser import (
    PHONE,
    By,
    chromium,
    log_in,
    needs_chromium,
    page_width,
    screenshot,
    script_errors,
    text_in,
    visible,
    wait,
)

pytestmark = [pytest.mark.e2e, needs_chromium]

PASSWORD = "pass-word-1"


def test_the_warehouse_sets_a_picture_and_a_rep_sees_it(suite, admin, tmp_path):
    tag = uuid.uuid4().hex[:6]
    keeper = admin.create_user("warehouse")
    rep = admin.create_user("sales")
    product = admin.post("/products", json={"sku": f"PIC-{tag}", "name": f"图片泵{tag}", "unit": "台",
                                            "list_price": "500.00"}).json()
    picture = tmp_path / "pump.png"
    Image.new("RGB", (2400, 1600), (180, 90, 30)).save(picture)
    with chromium(tmp_path / "keeper") as d:
        log_in(d, suite.url, keeper.user["username"], PASSWORD, route=f"#/products/{product['id']}")
        text_in(d, "#page-title", product["name"])
        d.find_element(By.CSS_SELECTOR, '[data-testid="product-picture-input"]').send_keys(str(picture))
        img = visible(d, "img.product-picture")
        wait(d, lambda _d: d.execute_script("return arguments[0].naturalWidth", img) == 800)
        text_in(d, ".product-head", "更换图片")
        screenshot(d, "product-picture-zh")
        assert script_errors(d) == []
    assert rep.get(f"/products/{product['id']}").json()["picture_updated_at"]
    with chromium(tmp_path / "rep", size=PHONE) as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, route=f"#/products/{product['id']}")
        img = visible(d, "img.product-picture")
        wait(d, lambda _d: d.execute_script("return arguments[0].naturalWidth", img) == 800)
        assert not d.find_elements(By.CSS_SELECTOR, '[data-testid="product-picture-input"]')
        assert page_width(d) <= PHONE[0]
        screenshot(d, "product-picture-zh-phone", full_height=True)
        assert script_errors(d) == []
