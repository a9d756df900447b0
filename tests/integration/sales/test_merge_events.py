"""A merge of duplicate customers as sales applies it (shared.merges through sales's handler
table, real PostgreSQL): the duplicate's records move to the survivor, a redelivery changes
nothing, the undo moves exactly those records back (a record made for the survivor since
stays), and an undo that overtakes its merge leaves everything where it was."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from shared.testing.clients import seed_customer

pytestmark = pytest.mark.integration


def snapshot(cid: str, owner: str, name: str, status: str, merge_id: str, survivor: str) -> dict:
    return {"id": cid, "name": name, "owner_id": owner, "status": status, "category": None, "industry": None,
            "phone": None, "shared_with": [], "lost_reason": None, "created_at": "2026-11-30T08:00:00+00:00",
            "merge_id": merge_id, "survivor_id": survivor, "survivor_name": "保留"}


def opportunity(world, customer_id: str) -> str:
    r = world.client("rep1").post("/opportunities", json={"customer_id": customer_id, "name": "合并测试商机",
                                                          "amount": "100.00", "stage": "qualification"})
    assert r.status_code == 201, r.json
    return r.json["id"]


def owner_of(world, opportunity_id: str) -> str:
    with world.engine.connect() as conn:
        return conn.execute(sa.text("SELECT customer_id FROM opportunities WHERE id = :i"),
                            {"i": opportunity_id}).scalar_one()


def pair(world) -> tuple[str, str, str]:
    owner = world.users["rep1"]["id"]
    return (seed_customer(world.engine, owner, name=f"保留 {uuid.uuid4().hex[:6]}"),
            seed_customer(world.engine, owner, name=f"重复 {uuid.uuid4().hex[:6]}"), owner)


def test_merge_moves_once_and_undo_moves_back_exactly_what_moved(world):
    survivor, dup, owner = pair(world)
    old = opportunity(world, dup)
    merge_id = str(uuid.uuid4())
    merged = world.feed("customer.customer.merged", snapshot(dup, owner, "重复", "deleted", merge_id, survivor),
                        aggregate_type="customer", seq=10)
    assert owner_of(world, old) == survivor
    world.feed("customer.customer.merged", merged.data, aggregate_type="customer", seq=10,
               event_id=merged.event_id)  # a redelivery
    with world.engine.connect() as conn:
        moves = conn.execute(sa.text("SELECT table_name, row_id FROM merge_moves WHERE merge_id = :m"),
                             {"m": merge_id}).all()
    assert [tuple(m) for m in moves] == [("opportunities", old)]
    newer = opportunity(world, survivor)  # made for the survivor after the merge
    world.feed("customer.customer.merge_undone", snapshot(dup, owner, "重复", "active", merge_id, survivor),
               aggregate_type="customer", seq=11)
    assert owner_of(world, old) == dup and owner_of(world, newer) == survivor


def test_an_undo_that_overtakes_its_merge_leaves_the_records_where_they_are(world):
    survivor, dup, owner = pair(world)
    old = opportunity(world, dup)
    merge_id = str(uuid.uuid4())
    world.feed("customer.customer.merge_undone", snapshot(dup, owner, "重复", "active", merge_id, survivor),
               aggregate_type="customer", seq=21)
    world.feed("customer.customer.merged", snapshot(dup, owner, "重复", "deleted", merge_id, survivor),
               aggregate_type="customer", seq=20)  # late: older than the undo already applied
    assert owner_of(world, old) == dup
