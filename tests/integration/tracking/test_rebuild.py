"""Rebuilding the read models from the stored events gives the same reports as live."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.tracking.handlers import handler_table
from services.tracking.rebuild import rebuild
from shared.consumer import run_handlers_directly
from shared.outbox import Outbox
from tests.integration.tracking import scenario
from tests.integration.tracking.test_delivery import snapshot

pytestmark = pytest.mark.integration

REPORTS = [
    ("/reports/sales-performance", {}), ("/reports/sales-performance", {"from": "2026-11-01", "to": "2026-11-30"}),
    ("/reports/product-sales", {}), ("/reports/profit", {}), ("/reports/receivables-by-owner", {}),
    ("/reports/funnel", {}),
    ("/reports/customer-trend", {"granularity": "month", "from": "2026-01-01", "to": "2026-12-31"}),
    ("/reports/customer-trend", {"granularity": "quarter", "from": "2026-01-01", "to": "2026-12-31"}),
]


def all_reports(as_user, users) -> dict:
    out = {}
    for role in ("A", "M", "R1", "R2"):
        client = as_user(users[role])
        for path, query in REPORTS:
            r = client.get(path, query_string=query)
            assert r.status_code == 200
            out[(role, path, tuple(sorted(query.items())))] = r.get_json()
    return out


@pytest.fixture
def live(engine):
    """The scenario delivered live with duplicates and out of order, one delivery at a time."""
    s = scenario.build()
    users = [e for e in s.events if e.event_type.startswith("gateway.")]
    rest = [e for e in s.events if not e.event_type.startswith("gateway.")]
    deliveries = rest + random.Random(3).sample(rest, 20)
    random.Random(4).shuffle(deliveries)
    table, outbox = handler_table(), Outbox("tracking", "cn-east")
    run_handlers_directly(engine, table, outbox, users)
    for ev in deliveries:
        run_handlers_directly(engine, table, outbox, [ev])
    return s


def test_rebuild_equals_live(live, engine, as_user):
    before_reports, before_state = all_reports(as_user, live.users), snapshot(engine)
    assert before_state["rm_orders"] and before_reports
    with engine.begin() as conn:  # damage the read models, as a bug or a lost table would
        conn.execute(sa.text("DELETE FROM rm_orders WHERE number IN ('SO-1', 'SO-2')"))
        conn.execute(sa.text("UPDATE rm_products SET cost_price = 1"))
    assert all_reports(as_user, live.users) != before_reports
    replayed = rebuild(engine, batch=7)
    projected = ("customer.customer.", "customer.lead.", "sales.opportunity.", "sales.order.", "billing.",
                 "inventory.product.")
    assert replayed == len([e for e in live.events if e.event_type.startswith(projected)])
    assert all_reports(as_user, live.users) == before_reports
    after = snapshot(engine)
    for table in ("rm_customers", "rm_opportunities", "rm_orders", "rm_order_lines", "rm_order_balances",
                  "rm_invoices", "rm_payments", "rm_products"):
        assert after[table] == before_state[table], table


def test_rebuild_command(live, engine, settings, as_user):
    before = all_reports(as_user, live.users)
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE rm_orders, rm_order_lines"))
    env = {**os.environ, "TRACKING_DATABASE_URL": settings.database_url}
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-m", "services.tracking", "rebuild"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rebuilt read models from" in done.stdout
    assert all_reports(as_user, live.users) == before
