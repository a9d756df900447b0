"""The visibility copies every service keeps, against a real database."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from shared.consumer import run_handlers_directly
from shared.db import make_engine
from shared.envelope import Envelope
from shared.events import customer as customer_events
from shared.identity import Principal
from shared.outbox import Outbox
from shared.visibility import can_see_customer, customer_filter, is_manager_of, visibility_handlers

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(service_settings):
    e = make_engine(service_settings("tracking").database_url)
    yield e
    e.dispose()


def user_event(uid: str, role: str, manager_id: str | None, seq: int = 1) -> Envelope:
    data = {"id": uid, "username": f"u{uid[:6]}", "full_name": "x", "role": role, "manager_id": manager_id,
            "active": True, "region": "cn-east"}
    return Envelope(event_type="gateway.user.created", aggregate_type="user", aggregate_id=uid, aggregate_seq=seq,
                    data=data, producer="gateway", region="cn-east")


def customer_event(cid: str, owner: str, seq: int, shared: list[str], name: str = "客户") -> Envelope:
    data = dict(customer_events._CUSTOMER_SAMPLE, id=cid, owner_id=owner, shared_with=shared, name=name)
    return Envelope(event_type="customer.customer.updated", aggregate_type="customer", aggregate_id=cid,
                    aggregate_seq=seq, data=data, producer="customer", region="cn-east", customer_id=cid)


def apply(engine, *events: Envelope) -> None:
    for ev in events:
        run_handlers_directly(engine, visibility_handlers(), Outbox("tracking", "cn-east"), [ev])


def test_hierarchy_shares_and_stale_snapshots(engine):
    boss, mgr, rep, other = (str(uuid.uuid4()) for _ in range(4))
    apply(engine, user_event(boss, "manager", None), user_event(mgr, "manager", boss),
          user_event(rep, "sales", mgr), user_event(other, "sales", None))
    cid = str(uuid.uuid4())
    apply(engine, customer_event(cid, rep, 2, [other], "第二版"))
    apply(engine, customer_event(cid, other, 1, [], "第一版"))  # stale: ignored
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT owner_id, name FROM acl_customers WHERE customer_id = :c"), {"c": cid}).one()
        assert tuple(row) == (rep, "第二版")
        for who, role, sees in [(rep, "sales", True), (mgr, "manager", True), (boss, "manager", True),
                                (other, "sales", True), (str(uuid.uuid4()), "sales", False),
                                (str(uuid.uuid4()), "admin", True), (str(uuid.uuid4()), "finance", False)]:
            assert can_see_customer(conn, Principal(who, role), cid, "sales") is sees, (role, sees)
        assert can_see_customer(conn, Principal(str(uuid.uuid4()), "finance"), cid, "billing")
        assert is_manager_of(conn, boss, rep) and is_manager_of(conn, mgr, rep)
        assert not is_manager_of(conn, rep, mgr) and not is_manager_of(conn, other, rep)

    # a newer snapshot moves the customer and withdraws the share
    apply(engine, customer_event(cid, other, 3, []))
    with engine.connect() as conn:
        assert not can_see_customer(conn, Principal(rep, "sales"), cid, "sales")
        assert not can_see_customer(conn, Principal(mgr, "manager"), cid, "sales")
        assert can_see_customer(conn, Principal(other, "sales"), cid, "sales")
        assert conn.execute(sa.text("SELECT count(*) FROM acl_customer_shares WHERE customer_id = :c"),
                            {"c": cid}).scalar() == 0
        t = sa.table("acl_customers", sa.column("customer_id"))
        visible = conn.execute(sa.select(t.c.customer_id).where(
            customer_filter(conn, Principal(other, "sales"), t.c.customer_id, "sales"))).scalars().all()
        assert cid in visible
        hidden = conn.execute(sa.select(t.c.customer_id).where(
            customer_filter(conn, Principal(rep, "sales"), t.c.customer_id, "sales"))).scalars().all()
        assert cid not in hidden
