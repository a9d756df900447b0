"""Read-your-writes in the customer service: a user just created in the gateway (whose
copy has not arrived yet) can at once be made a customer's owner or a complaint's
assignee; the request waits for the copy (shared.copies) instead of answering 422."""

from __future__ import annotations

import time
import uuid

import pytest

from services.customer.handlers import handler_table
from shared.consumer import run_handlers_directly
from shared.envelope import Envelope
from shared.outbox import Outbox
from shared.testing.clients import new_user
from shared.testing.timing import Timed, later

pytestmark = pytest.mark.integration

DELAY = 0.4


def user_arrives(engine, user: dict) -> None:
    env = Envelope(event_type="gateway.user.created", aggregate_type="user", aggregate_id=user["id"],
                   aggregate_seq=1, data=user, producer="gateway", region="cn-east")
    run_handlers_directly(engine, handler_table(), Outbox("customer", "cn-east"), [env])


def test_a_new_user_as_owner_and_as_assignee(people, engine):
    newcomer = new_user("sales", manager_id=people.manager.user["id"])
    call = Timed(lambda: people.manager.post("/customers", json={"name": f"新客户{uuid.uuid4().hex[:6]}",
                                                                  "owner_id": newcomer["id"]}))
    feeder = later(DELAY, lambda: user_arrives(engine, newcomer))
    r = call.join()
    feeder.join()
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["owner_id"] == newcomer["id"]
    assert DELAY <= call.elapsed < DELAY + 1.5

    customer = r.get_json()
    colleague = new_user("warehouse")
    call = Timed(lambda: people.manager.post("/complaints", json={
        "customer_id": customer["id"], "subject": "到货少一箱", "assignee_id": colleague["id"]}))
    feeder = later(DELAY, lambda: user_arrives(engine, colleague))
    r = call.join()
    feeder.join()
    assert r.status_code == 201, r.get_json()
    assert DELAY <= call.elapsed < DELAY + 1.5


def test_a_user_that_never_comes_is_422_within_the_bound(people, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "1")
    started = time.monotonic()
    r = people.sales.post("/customers", json={"name": f"客户{uuid.uuid4().hex[:6]}", "owner_id": str(uuid.uuid4())})
    elapsed = time.monotonic() - started
    assert r.status_code == 422 and "owner_id" in r.get_json()["error"]["details"]
    assert 1.0 <= elapsed < 2.0, elapsed
