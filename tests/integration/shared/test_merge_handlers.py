"""Every service that moves a duplicate customer's rows (shared.merges) applies
customer.customer.merged and .merge_undone against its real, migrated schema: each table and
column it names exists (a typo would dead-letter the merge in that service only), the
duplicate's rows move and come back, and billing's receivables follow."""

from __future__ import annotations

import uuid
from importlib import import_module

import pytest
import sqlalchemy as sa

from shared.consumer import run_handlers_directly
from shared.db import make_engine
from shared.envelope import Envelope
from shared.outbox import Outbox

pytestmark = pytest.mark.integration

SERVICES = ("sales", "billing", "inventory", "tracking")


def envelope(event_type: str, dup: str, survivor: str, merge_id: str, seq: int) -> Envelope:
    data = {"id": dup, "name": "重复", "owner_id": str(uuid.uuid4()),
            "status": "deleted" if event_type.endswith("merged") else "active", "shared_with": [],
            "created_at": "2026-11-30T08:00:00+00:00", "merge_id": merge_id, "survivor_id": survivor,
            "survivor_name": "保留"}
    return Envelope(event_type=event_type, aggregate_type="customer", aggregate_id=dup, aggregate_seq=seq,
                    data=data, producer="customer", region="cn-east", customer_id=survivor)


@pytest.mark.parametrize("service", SERVICES)
def test_a_merge_and_its_undo_apply_in_every_service(service_settings, service):
    engine = make_engine(service_settings(service).database_url)
    handlers = import_module(f"services.{service}.handlers").handler_table()
    dup, survivor, merge_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    if service == "billing":
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO expenses (id, amount, category, description, customer_id, status, submitter_id) "
                "VALUES (:i, 10, '招待', '午餐', :c, 'submitted', :c)"), {"i": str(uuid.uuid4()), "c": dup})
    try:
        for event_type, seq in (("customer.customer.merged", 5), ("customer.customer.merge_undone", 6)):
            run_handlers_directly(engine, handlers, Outbox(service, "cn-east"),
                                  [envelope(event_type, dup, survivor, merge_id, seq)])
            if service == "billing":
                with engine.connect() as conn:
                    owner = conn.execute(sa.text("SELECT customer_id FROM expenses WHERE customer_id IN (:d, :s)"),
                                         {"d": dup, "s": survivor}).scalar_one()
                    receivables = conn.execute(sa.text("SELECT count(*) FROM receivables WHERE customer_id IN "
                                                       "(:d, :s)"), {"d": dup, "s": survivor}).scalar_one()
                assert owner == (survivor if seq == 5 else dup)
                assert receivables == 2
        with engine.connect() as conn:
            handled = conn.execute(sa.text("SELECT handler FROM inbox ORDER BY handler")).scalars().all()
        assert any(h.endswith(".merge") for h in handled) and any(h.endswith(".merge_undo") for h in handled)
    finally:
        engine.dispose()
