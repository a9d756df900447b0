"""Bench: concurrent invoice issuing and payments in the billing service (issue 7).

    .venv/bin/python bench/billing_invoices.py [--threads 8] [--orders 20] [--per-order 25]

Drives the real Flask app (in-process test clients, one per thread, real PostgreSQL on a
scratch database dropped afterwards). Every invoice takes its order's row lock and the
year's counter row, so all issuing in one year is serialized by design (gap-free numbers).
Prints invoices/s and latency p50/p95, then payments/s (order lock only), and checks the
invariants: numbers 1..N without gaps, no order invoiced past its gross.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.billing.bootstrap import root  # noqa: E402
from services.billing.handlers import handler_table  # noqa: E402
from shared.config import settings_for  # noqa: E402
from shared.consumer import run_handlers_directly  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.envelope import Envelope  # noqa: E402
from shared.events import sales as sales_events  # noqa: E402
from shared.outbox import Outbox  # noqa: E402
from shared.secrets import new_secret  # noqa: E402
from shared.testing.clients import ServiceClient, new_user, seed_customer, seed_users  # noqa: E402
from shared.testing.servers import postgres_server, scratch_database  # noqa: E402


def run_phase(app, secret, user, jobs, threads):
    """jobs: list of (path, body); returns (seconds, latencies, status counts)."""
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue = list(jobs)

    def worker():
        client = ServiceClient(app, user, secret)
        while True:
            with lock:
                if not queue:
                    return
                path, body = queue.pop()
            t0 = time.perf_counter()
            resp = client.post(path, json=body)
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - t0, latencies, statuses


def report(name, seconds, latencies, statuses):
    q = statistics.quantiles(latencies, n=20)
    print(f"{name}: {len(latencies)} calls in {seconds:.2f}s = {len(latencies) / seconds:.0f}/s; "
          f"p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {q[18] * 1000:.1f} ms; statuses {statuses}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--per-order", type=int, default=25)
    args = parser.parse_args()
    with postgres_server() as server, scratch_database(server, "bench_billing") as url:
        settings = settings_for("billing", database_url=url, internal_secret=new_secret())
        root.migrate(settings)
        app = root.create_app(settings)
        engine = make_engine(url)
        finance = new_user("finance")
        rep = new_user("sales")
        seed_users(engine, finance, rep)
        cid = seed_customer(engine, rep["id"])
        gross = Decimal("10.00") * args.per_order
        order_ids = [str(uuid.uuid4()) for _ in range(args.orders)]
        envelopes = [Envelope(event_type="sales.order.confirmed", aggregate_type="order", aggregate_id=oid,
                              data={**sales_events._ORDER, "id": oid, "customer_id": cid, "owner_id": rep["id"],
                                    "status": "confirmed", "gross": f"{gross:.2f}"},
                              producer="sales", region="cn-east", aggregate_seq=1)
                     for oid in order_ids]
        run_handlers_directly(engine, handler_table(), Outbox("sales", "cn-east"), envelopes)

        # one more invoice per order than fits: each order's last one must be refused (409)
        jobs = [("/invoices", {"order_id": oid, "amount": "10.00"})
                for oid in order_ids for _ in range(args.per_order + 1)]
        report("invoices", *run_phase(app, settings.internal_secret, finance, jobs, args.threads))
        pay_jobs = [("/payments", {"customer_id": cid, "order_id": oid, "amount": "10.00", "method": "cash"})
                    for oid in order_ids for _ in range(args.per_order)]
        report("payments", *run_phase(app, settings.internal_secret, finance, pay_jobs, args.threads))

        with engine.connect() as conn:
            seqs = [r[0] for r in conn.execute(sa.text("SELECT seq FROM invoices ORDER BY seq"))]
            over = conn.execute(sa.text("SELECT count(*) FROM orders WHERE invoiced > gross OR paid > gross")).scalar()
            unpaid = conn.execute(sa.text("SELECT count(*) FROM orders WHERE paid <> gross")).scalar()
        gap_free = seqs == list(range(1, len(seqs) + 1))
        print(f"invoices issued {len(seqs)} (expected {args.orders * args.per_order}); numbers gap-free: {gap_free}; "
              f"orders past their gross: {over}; orders not fully paid: {unpaid}")
        engine.dispose()
        ok = gap_free and over == 0 and unpaid == 0 and len(seqs) == args.orders * args.per_order
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
