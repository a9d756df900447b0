"""Webhooks on the whole suite, through the gateway: an admin's webhook receives customers
created by anyone, signed, after its endpoint failed twice (three attempts in the log); a
rep's webhook never receives an event about another rep's customer; the portal's admin
screen registers, lists and shows the delivery log in headless Chromium."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from services.tracking.domain.webhooks import verify
from shared.testing.fixtures import eventually
from shared.testing.webhooks import Receiver
from tests.e2e.portal_browser import (
    PHONE,
    By,
    chromium,
    click_text,
    log_in,
    screenshot,
    script_errors,
    type_into,
    wait,
)
from tests.e2e.portal_browser import needs_chromium as _needs_chromium

pytestmark = pytest.mark.e2e
PASSWORD = "pass-word-1"
SECRET = "e2e-webhook-secret-0123456789"


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**kw) -> Receiver:
        made.append(Receiver(**kw))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_signed_retried_and_within_the_owners_view(admin, receivers):
    tag = uuid.uuid4().hex[:6]
    rep = admin.create_user("sales", username=f"hook_rep_{tag}", password=PASSWORD)
    other = admin.create_user("sales", username=f"hook_other_{tag}", password=PASSWORD)
    flaky, reps = receivers(statuses=(500, 502, 200)), receivers()
    admin_hook = admin.post("/webhooks", json={"url": flaky.url, "events": ["customer.customer.created"],
                                               "secret": SECRET, "description": f"ERP {tag}"})
    assert admin_hook.status_code == 201, admin_hook.text
    assert "secret" not in admin_hook.json()
    rep_hook = rep.post("/webhooks", json={"url": reps.url, "events": ["#"], "secret": SECRET})
    assert rep_hook.status_code == 201, rep_hook.text
    try:
        mine = rep.post("/customers", json={"name": f"推送测试甲{tag}有限公司"}).json()
        theirs = other.post("/customers", json={"name": f"推送测试乙{tag}有限公司"}).json()
        assert other.post(f"/customers/{theirs['id']}/contacts", json={"name": "王五"}).status_code == 201

        def created(receiver, cid):
            return [r for r in receiver.requests if r["status"] == 200 and json.loads(r["body"])["customer_id"] == cid]
        eventually(lambda: created(flaky, mine["id"]) and created(flaky, theirs["id"]), timeout=30)
        for request in flaky.requests:
            h = request["headers"]
            assert verify(SECRET, h["X-CRM-Timestamp"], request["body"], h["X-CRM-Signature"], now=time.time())
            assert h["X-CRM-Event"] == "customer.customer.created"
        hook_id = admin_hook.json()["id"]
        answered = {json.loads(r["body"])["event_id"] for r in created(flaky, mine["id"]) + created(flaky, theirs["id"])}

        def delivered() -> list[dict]:
            # the receiver records a request before it answers: the worker marks the delivery a moment later
            items = admin.get(f"/webhooks/{hook_id}/deliveries", params={"status": "delivered"}).json()["items"]
            return items if len([d for d in items if d["event_id"] in answered]) == 2 else []
        log = eventually(delivered, timeout=15)
        # the endpoint failed its first two requests: two deliveries, four attempts, each delivered once
        mine_and_theirs = [d for d in log if d["event_id"] in answered]
        assert len(mine_and_theirs) == 2 and sum(d["attempts"] for d in mine_and_theirs) == 4
        assert all(d["response_code"] == 200 for d in mine_and_theirs)
        assert len(flaky.requests) == 4 and [r["status"] for r in flaky.requests].count(200) == 2
        assert {"event_id", "status", "attempts", "response_code", "last_attempt_at"} <= set(log[0])

        eventually(lambda: created(reps, mine["id"]), timeout=20)
        time.sleep(1.5)  # the other rep's events had every chance to arrive
        seen = {json.loads(r["body"])["customer_id"] for r in reps.requests}
        assert mine["id"] in seen and theirs["id"] not in seen
        assert rep.get(f"/webhooks/{hook_id}").status_code == 404  # the admin's webhook is not the rep's
    finally:
        admin.delete(f"/webhooks/{admin_hook.json()['id']}")
        rep.delete(f"/webhooks/{rep_hook.json()['id']}")


@_needs_chromium
def test_the_admin_screen(admin, suite, receivers, tmp_path_factory):
    tag = uuid.uuid4().hex[:6]
    receiver = receivers()
    with chromium(tmp_path_factory.mktemp("webhooks")) as d:
        log_in(d, suite.url, "admin", suite.admin_password, "#/admin/webhooks")
        click_text(d, "新建推送")
        type_into(d, "接收地址", receiver.url)
        type_into(d, "推送的事件", "customer.customer.created")
        type_into(d, "签名密钥", SECRET)
        type_into(d, "说明", f"金蝶 ERP {tag}")
        d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        hook = eventually(lambda: next((h for h in admin.get("/webhooks", params={"per_page": 200}).json()["items"]
                                        if h["description"] == f"金蝶 ERP {tag}"), None), timeout=10)
        try:
            assert hook["events"] == ["customer.customer.created"] and hook["url"] == receiver.url
            admin.post("/customers", json={"name": f"推送界面{tag}有限公司"})
            eventually(lambda: receiver.requests, timeout=20)
            d.get(f"{suite.url}/#/admin/webhooks/{hook['id']}")
            wait(d, lambda d: "已送达" in d.find_element(By.TAG_NAME, "main").text)
            screenshot(d, "webhook-log")
            click_text(d, "重新推送")
            eventually(lambda: len(receiver.requests) >= 2, timeout=20)
            click_text(d, "暂停")
            eventually(lambda: admin.get(f"/webhooks/{hook['id']}").json()["active"] is False, timeout=10)
            assert script_errors(d) == []
            english = admin.create_user("admin", username=f"hook_admin_{tag}", password=PASSWORD)
            assert english.put("/preferences", json={"language": "en"}).status_code == 200
            with chromium(tmp_path_factory.mktemp("webhooks-phone"), size=PHONE, lang="en-US") as p:
                log_in(p, suite.url, english.user["username"], PASSWORD, "#/admin/webhooks")
                wait(p, lambda p: receiver.url in p.find_element(By.TAG_NAME, "main").text)
                screenshot(p, "webhooks-phone-en")
                p.get(f"{suite.url}/#/admin/webhooks/{hook['id']}")
                wait(p, lambda p: "Delivered" in p.find_element(By.TAG_NAME, "main").text)
                screenshot(p, "webhook-log-phone-en", full_height=True)
                assert script_errors(p) == []
        finally:
            admin.delete(f"/webhooks/{hook['id']}")
