"""A contact's direct superior and photo in the portal through the whole suite (issue 16.4): a
rep names 李经理's superior on the customer's contacts tab and uploads 李经理's photo (shown
as a picture, shrunk by the server); a colleague of another team cannot fetch it."""

from __future__ import annotations

import uuid

import pytest
from PIL import Image

from tests.e2e.portal_browser import (
    PHONE,
    By,
    chromium,
    click_text,
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


@pytest.mark.parametrize("size", [None, PHONE])
def test_a_rep_sets_a_contacts_superior_and_photo(suite, admin, tmp_path, size):
    from selenium.webdriver.support.ui import Select

    rep = admin.create_user("sales")
    outsider = admin.create_user("sales")
    customer = rep.post("/customers", json={"name": f"照片客户{uuid.uuid4().hex[:8]}"}).json()
    boss = rep.post(f"/customers/{customer['id']}/contacts", json={"name": "张总", "title": "总经理"}).json()
    buyer = rep.post(f"/customers/{customer['id']}/contacts", json={"name": "李经理", "title": "采购经理"}).json()
    photo = tmp_path / "li.png"
    Image.new("RGB", (1600, 1200), (30, 140, 90)).save(photo)
    with chromium(tmp_path / "rep", **({"size": size} if size else {})) as d:
        log_in(d, suite.url, rep.user["username"], PASSWORD, route=f"#/customers/{customer['id']}?tab=contacts")
        card = visible(d, 'li[data-contact="李经理"]')
        card.find_element(By.XPATH, ".//button[contains(., '编辑')]").click()
        Select(visible(d, "li.card form select[name=superior_id]")).select_by_visible_text("张总（总经理）")
        click_text(d, "保存", "li.card form button[type=submit]")
        text_in(d, 'li[data-contact="李经理"] [data-testid="contact-superior"]', "直接领导：张总")
        d.find_element(By.CSS_SELECTOR, 'li[data-contact="李经理"] [data-testid="contact-photo-input"]').send_keys(str(photo))
        img = visible(d, 'li[data-contact="李经理"] img.contact-photo')
        wait(d, lambda _d: d.execute_script("return arguments[0].naturalWidth", img) == 512)
        assert not d.find_elements(By.CSS_SELECTOR, 'li[data-contact="张总"] img.contact-photo')  # initials only
        if size:
            assert page_width(d) <= PHONE[0]
        screenshot(d, f"contacts-superior-photo-zh{'-phone' if size else ''}")
        assert script_errors(d) == []
    got = rep.get(f"/contacts/{buyer['id']}").json()
    assert got["superior_id"] == boss["id"] and got["photo_updated_at"]
    assert rep.get(f"/contacts/{buyer['id']}/photo").headers["Content-Type"] == "image/jpeg"
    assert outsider.get(f"/contacts/{buyer['id']}/photo").status_code == 404
