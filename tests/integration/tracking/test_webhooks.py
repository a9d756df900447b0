"""Webhooks against real PostgreSQL and a real local HTTP receiver: enqueued by tracking's
real handler table (inbox, owner's visibility), sent by the real delivery worker (signature,
back-off, retry window, one hanging endpoint blocking nobody else), managed through the API."""

from __future__ import annotations

import json
import threading
import time

import pytest

from services.tracking.domain.webhooks import RetryPolicy, verify
from services.tracking.webhooks.settings import WebhookSettings
from services.tracking.webhooks.worker import DeliveryWorker
from shared.testing.webhooks import Receiver
from tests.integration.tracking import scenario
from tests.integration.tracking.events import Seq, customer_event, uid

pytestmark = pytest.mark.integration
SECRET = "a-webhook-secret-of-some-length"


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**kw) -> Receiver:
        made.append(Receiver(**kw))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def hooks(as_user, monkeypatch):
    """register(user, url, events) through the API; every webhook is deleted afterwards."""
    monkeypatch.setenv("CRM_WEBHOOK_ALLOW_LOOPBACK", "1")
    made: list[tuple[dict, str]] = []

    def register(user: dict, url: str, events: list[str]) -> dict:
        r = as_user(user).post("/webhooks", json={"url": url, "events": events, "secret": SECRET})
        assert r.status_code == 201, r.get_json()
        made.append((user, r.get_json()["id"]))
        return r.get_json()

    yield register
    for user, hook_id in made:
        as_user(user).delete(f"/webhooks/{hook_id}")


def fast(window: float = 30.0, timeout: float = 2.0, **kw) -> WebhookSettings:
    return WebhookSettings(allow_loopback=True, retry=RetryPolicy(base=0.1, cap=0.2, window=window),
                           timeout=timeout, poll=0.05, **kw)


def deliveries(as_user, user, hook_id, **query) -> list[dict]:
    r = as_user(user).get(f"/webhooks/{hook_id}/deliveries", query_string={"per_page": 200, **query})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def wait_for(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def new_customer_event(owner: dict, seq: Seq | None = None):
    cid = uid()
    return cid, customer_event("customer.customer.created", cid, owner["id"], seq or Seq(),
                               "2026-11-28T08:00:00+00:00", name=f"华东客户 {cid[:6]}", created="2026-11-28T08:00:00+00:00")


def test_every_matching_event_is_posted_signed_once(apply, as_user, engine, hooks, receivers):
    world = scenario.build()
    admin = world.users["A"]
    receiver = receivers()
    apply(world.events[:7])  # the users first: the owner must be known
    hook = hooks(admin, receiver.url, ["sales.order.*"])
    apply(world.events[7:])
    apply(world.events)  # redelivered by the broker: the inbox makes it a no-op
    wanted = [e for e in world.events if e.event_type.startswith("sales.order.")]
    assert len(wanted) >= 5

    DeliveryWorker(engine, fast()).run_until_idle()

    assert sorted(json.loads(r["body"])["event_id"] for r in receiver.requests) == sorted(e.event_id for e in wanted)
    for request in receiver.requests:
        headers, body = request["headers"], request["body"]
        assert verify(SECRET, headers["X-CRM-Timestamp"], body, headers["X-CRM-Signature"], now=time.time())
        envelope = json.loads(body)
        assert headers["X-CRM-Event"] == envelope["event_type"]
        assert headers["Content-Type"].startswith("application/json")
        assert envelope["customer_id"] and envelope["data"]
        assert not verify("another-secret-entirely", headers["X-CRM-Timestamp"], body, headers["X-CRM-Signature"],
                          now=time.time())
    log = deliveries(as_user, admin, hook["id"])
    assert {(d["status"], d["attempts"], d["response_code"]) for d in log} == {("delivered", 1, 200)}
    assert all(d["last_attempt_at"] for d in log)
    assert {d["event_id"] for d in log} == {e.event_id for e in wanted}


def test_two_failures_then_success_is_delivered_once_after_three_attempts(apply, as_user, engine, hooks, receivers):
    world = scenario.build()
    admin = world.users["A"]
    apply(world.events[:7])
    receiver = receivers(statuses=(500, 503, 200))
    hook = hooks(admin, receiver.url, ["customer.customer.created"])
    _cid, event = new_customer_event(world.users["R1"])
    apply([event])
    worker = DeliveryWorker(engine, fast())

    def delivered():
        worker.run_until_idle()
        return [d for d in deliveries(as_user, admin, hook["id"]) if d["status"] == "delivered"]

    [done] = wait_for(delivered)
    assert (done["event_id"], done["attempts"], done["response_code"]) == (event.event_id, 3, 200)
    assert [json.loads(r["body"])["event_id"] for r in receiver.requests] == [event.event_id] * 3
    detail = as_user(admin).get(f"/webhooks/{hook['id']}/deliveries/{done['id']}").get_json()
    assert [a["response_code"] for a in detail["attempt_log"]] == [500, 503, 200]
    assert detail["attempt_log"][0]["error"] == "answered 500" and detail["attempt_log"][2]["error"] is None
    time.sleep(0.3)
    worker.run_until_idle()
    assert len(receiver.requests) == 3  # delivered: never sent again


def test_a_dead_endpoint_fails_after_the_window_and_blocks_nobody(apply, as_user, engine, hooks, receivers):
    world = scenario.build()
    admin = world.users["A"]
    apply(world.events[:7])
    hanging = receivers(statuses=(200,), hang=5.0)  # answers too late every time
    healthy = receivers()
    dead = hooks(admin, hanging.url, ["customer.customer.*"])
    alive = hooks(admin, healthy.url, ["customer.customer.*"])
    seq = Seq()
    events = [new_customer_event(world.users["R1"], seq)[1] for _ in range(6)]
    worker = DeliveryWorker(engine, fast(window=2.5, timeout=0.5, senders=4, per_webhook=2))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        apply(events)
        # the healthy endpoint has every event while the hanging one holds its two senders
        # (the receiver records a request before answering it; the worker marks the delivery a moment later)
        wait_for(lambda: len(healthy.requests) == 6, timeout=5)
        wait_for(lambda: (ds := deliveries(as_user, admin, alive["id"])) and len(ds) == 6 and
                 {d["status"] for d in ds} == {"delivered"}, timeout=5)
        assert time.monotonic() - started < 3
        log = wait_for(lambda: (ds := deliveries(as_user, admin, dead["id"])) and
                       all(d["status"] == "failed" for d in ds) and ds, timeout=20)
    finally:
        worker.stop()
        thread.join(timeout=10)
    assert len(log) == 6
    assert all(d["attempts"] >= 2 and d["response_code"] is None for d in log)
    assert all(d["next_attempt_at"] is None for d in log)
    detail = as_user(admin).get(f"/webhooks/{dead['id']}/deliveries/{log[0]['id']}").get_json()
    assert detail["last_error"].startswith("no answer within")

    # redelivered once the endpoint is fixed
    hanging.hang = 0
    r = as_user(admin).post(f"/webhooks/{dead['id']}/deliveries/{log[0]['id']}/redeliver")
    assert r.status_code == 202 and r.get_json()["status"] == "pending"
    DeliveryWorker(engine, fast()).run_until_idle()
    again = {d["id"]: d for d in deliveries(as_user, admin, dead["id"])}
    assert again[log[0]["id"]]["status"] == "delivered"
    assert [d["status"] for i, d in again.items() if i != log[0]["id"]] == ["failed"] * 5


def test_a_reps_webhook_never_sees_other_customers(apply, as_user, engine, hooks, receivers):
    world = scenario.build()
    apply(world.events[:7])
    r2, m, admin = world.users["R2"], world.users["M"], world.users["A"]
    rep_receiver, manager_receiver, admin_receiver = receivers(), receivers(), receivers()
    rep_hook = hooks(r2, rep_receiver.url, ["#"])
    hooks(m, manager_receiver.url, ["#"])
    hooks(admin, admin_receiver.url, ["#"])
    apply(world.events[7:])
    DeliveryWorker(engine, fast()).run_until_idle()

    c1, c2, c3 = world.ids["C1"], world.ids["C2"], world.ids["C3"]
    rep_seen = [json.loads(r["body"]) for r in rep_receiver.requests]
    # R2 owns C2 only; beside its events, R2's own actions that concern no customer (the audit's rule)
    assert rep_seen and {e["customer_id"] for e in rep_seen} - {None} == {c2}
    assert {e["actor_id"] for e in rep_seen if e["customer_id"] is None} <= {r2["id"]}
    assert {e["event_type"] for e in rep_seen} >= {"customer.customer.created", "sales.order.created"}
    manager_seen = {json.loads(r["body"])["customer_id"] for r in manager_receiver.requests}
    assert manager_seen >= {c1, c3} and c2 not in manager_seen  # M manages R1, not R2
    admin_seen = {json.loads(r["body"])["customer_id"] for r in admin_receiver.requests}
    assert {c1, c2, c3} <= admin_seen
    assert len(admin_receiver.requests) == len(world.events[7:])
    # the rep's own log has only its events; another rep cannot read it
    assert {d["event_id"] for d in deliveries(as_user, r2, rep_hook["id"])} == {e["event_id"] for e in rep_seen}
    assert as_user(world.users["R1"]).get(f"/webhooks/{rep_hook['id']}/deliveries").status_code == 404


def test_the_api_keeps_the_secret_and_refuses_bad_targets(apply, as_user, engine, hooks, receivers, monkeypatch):
    world = scenario.build()
    apply(world.events[:7])
    admin, r1 = world.users["A"], world.users["R1"]
    receiver = receivers()
    hook = hooks(r1, receiver.url, ["customer.#"])
    assert "secret" not in hook and hook["owner_id"] == r1["id"] and hook["active"] is True
    assert as_user(r1).get(f"/webhooks/{hook['id']}").get_json() == hook
    assert as_user(world.users["R2"]).get(f"/webhooks/{hook['id']}").status_code == 404
    assert hook["id"] in {h["id"] for h in as_user(admin).get("/webhooks?per_page=200").get_json()["items"]}
    assert hook["id"] not in {h["id"] for h in as_user(world.users["R2"]).get("/webhooks").get_json()["items"]}

    def refused(body):
        r = as_user(admin).post("/webhooks", json={"url": receiver.url, "events": ["#"], "secret": SECRET, **body})
        assert r.status_code == 422, r.get_json()
        return r.get_json()["error"]["details"]

    assert "url" in refused({"url": "http://example.com/hook"})
    assert "url" in refused({"url": "https://10.0.0.8/hook"})
    assert "url" in refused({"url": "https://169.254.169.254/latest/meta-data"})
    assert "events" in refused({"events": ["Sales.Order"]})
    assert "events" in refused({"events": []})
    assert "secret" in refused({"secret": "short"})
    monkeypatch.setenv("CRM_WEBHOOK_ALLOW_LOOPBACK", "0")
    assert "url" in refused({})  # loopback only in tests

    # paused: nothing is queued; resumed: new events are
    r = as_user(r1).patch(f"/webhooks/{hook['id']}", json={"active": False, "events": ["customer.customer.*"]})
    assert r.status_code == 200 and r.get_json()["active"] is False and r.get_json()["events"] == ["customer.customer.*"]
    apply([new_customer_event(r1)[1]])
    assert deliveries(as_user, r1, hook["id"]) == []
    as_user(r1).patch(f"/webhooks/{hook['id']}", json={"active": True})
    apply([new_customer_event(r1)[1]])
    assert len(deliveries(as_user, r1, hook["id"])) == 1
    assert as_user(r1).delete(f"/webhooks/{hook['id']}").status_code == 204
    assert as_user(r1).get(f"/webhooks/{hook['id']}/deliveries").status_code == 404
