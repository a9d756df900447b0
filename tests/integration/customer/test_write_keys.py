"""A write repeated with its Idempotency-Key reaches the service again when the gateway
died before keeping the answer: the service answers it from its own store (shared.write_keys)
and writes nothing twice."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration


def test_repeated_keyed_write_gets_the_first_answer(people, engine):
    key = f"k-{uuid.uuid4()}"
    body = {"name": f"杭州重放测试有限公司 {uuid.uuid4().hex[:6]}"}
    first = people.sales.post("/customers", json=body, headers={"Idempotency-Key": key})
    again = people.sales.post("/customers", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201, (first.get_json(), again.get_json())
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM customers WHERE name = :n"), {"n": body["name"]}).scalar() == 1


def test_keys_are_per_user_and_per_request(people):
    key = f"k-{uuid.uuid4()}"
    name = f"宁波键值测试 {uuid.uuid4().hex[:6]}"
    mine = people.sales.post("/customers", json={"name": name}, headers={"Idempotency-Key": key})
    theirs = people.other.post("/customers", json={"name": name + " 二"}, headers={"Idempotency-Key": key})
    assert mine.status_code == theirs.status_code == 201 and mine.get_json()["id"] != theirs.get_json()["id"]
    other_body = people.sales.post("/customers", json={"name": name + " 三"}, headers={"Idempotency-Key": key})
    assert "Idempotent-Replayed" not in other_body.headers  # another request: the view decides
    plain = people.sales.post("/customers", json={"name": name + " 四"})
    again = people.sales.post("/customers", json={"name": name + " 四"})
    assert plain.status_code == 201 and again.status_code == 409  # no key: no replay


def test_a_refused_write_is_refused_the_same_on_repeat(people):
    key = f"k-{uuid.uuid4()}"
    body = {"customer_id": str(uuid.uuid4()), "kind": "call", "summary": "无此客户"}
    bad = people.sales.post("/activities", json=body, headers={"Idempotency-Key": key})
    again = people.sales.post("/activities", json=body, headers={"Idempotency-Key": key})
    assert bad.status_code == again.status_code and bad.status_code in (404, 422)
    assert again.get_json() == bad.get_json() and again.headers["Idempotent-Replayed"] == "true"
