"""Timeline first-page latency with a large event store.

    .venv/bin/python bench/tracking_timeline.py [--events 10000000] [--customers 100000] [--keep]

Fills a scratch tracking database with generated events (INSERT ... SELECT
generate_series, indexes built after the load, then VACUUM ANALYZE), one customer in
--customers holding 1% of all events ("hot"), then times GET /timeline through the
service's real Flask app (identity header, visibility check, count, keyset query):
first pages of random customers as admin and as their sales rep, the hot customer's
first page and a deep page reached by cursor. Prints p50 / p95 / p99 in ms."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.tracking.bootstrap import root  # noqa: E402
from services.tracking.models import events  # noqa: E402
from shared.config import pg_base_url  # noqa: E402
from shared.db import drop_database, ensure_database, make_engine  # noqa: E402
from shared.secrets import new_secret  # noqa: E402
from shared.testing.clients import ServiceClient, new_user  # noqa: E402
from shared.visibility import upsert_user  # noqa: E402

CHUNK = 1_000_000
TYPES = ["customer.activity.logged", "sales.order.created", "sales.order.confirmed", "sales.quote.created",
         "inventory.stock.reserved", "billing.invoice.issued", "billing.payment.received",
         "customer.customer.updated"]


def cid_sql(expr: str) -> str:
    """Customer k (0..customers-1) as a UUID, the same in SQL and Python."""
    return f"CAST(md5('c' || ({expr})::text) AS uuid)::text"


def cid_py(k: int) -> str:
    import hashlib

    return str(uuid.UUID(hashlib.md5(f"c{k}".encode()).hexdigest()))


def fill(engine, n: int, customers: int, rep_ids: list[str]) -> None:
    index_defs = []
    with engine.begin() as conn:
        for idx in events.indexes:
            index_defs.append(idx)
            conn.execute(sa.text(f"DROP INDEX {idx.name}"))
        conn.execute(sa.text(
            f"INSERT INTO acl_customers (customer_id, owner_id, name, status) SELECT {cid_sql('k')}, "
            f"(CAST(:reps AS varchar[]))[1 + k % {len(rep_ids)}], 'c' || k, 'active' "
            f"FROM generate_series(0, {customers - 1}) k"), {"reps": rep_ids})
    types = "ARRAY[" + ",".join(f"'{t}'" for t in TYPES) + "]"
    hot = max(1, n // 100)
    done = 0
    while done < n:
        upto = min(n, done + CHUNK)
        t = time.monotonic()
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO events (event_id, event_type, version, service, occurred_at, customer_id, actor_id, "
                "aggregate_type, aggregate_id, aggregate_seq, summary, summary_zh, data) "
                f"SELECT CAST(md5('e' || i::text) AS uuid)::text, ({types})[1 + i % {len(TYPES)}], 1, "
                f"split_part(({types})[1 + i % {len(TYPES)}], '.', 1), "
                "timestamptz '2024-01-01' + (i * interval '9 seconds'), "
                f"CASE WHEN i < {hot} THEN {cid_sql('0')} ELSE {cid_sql(f'(i * 7919) % {customers}')} END, "
                f"(CAST(:reps AS varchar[]))[1 + i % {len(rep_ids)}], 'order', md5(i::text), 1, "
                "'created order SO-' || i, '创建了订单 SO-' || i, jsonb_build_object('n', i) "
                f"FROM generate_series(CAST({done} AS bigint), {upto - 1}) i"), {"reps": rep_ids})
        done = upto
        print(f"  {done:,} events ({time.monotonic() - t:.1f}s for this chunk)", flush=True)
    for idx in index_defs:
        t = time.monotonic()
        with engine.begin() as conn:
            idx.create(conn)
        print(f"  index {idx.name} built in {time.monotonic() - t:.1f}s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE events"))
        conn.execute(sa.text("VACUUM ANALYZE acl_customers"))


def timed(client: ServiceClient, params, runs: int) -> list[float]:
    return timed_path(client, "/timeline", params, runs)


def timed_path(client: ServiceClient, path: str, params, runs: int) -> list[float]:
    out = []
    for i in range(runs):
        p = params(i) if callable(params) else params
        t = time.perf_counter()
        r = client.get(path, query_string=p)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.get_json()
    return out


def report(label: str, ms: list[float]) -> None:
    ms = sorted(ms)
    q = statistics.quantiles(ms, n=100)
    print(f"{label:<48} n={len(ms):>4}  p50 {q[49]:6.1f} ms  p95 {q[94]:6.1f} ms  p99 {q[98]:6.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the database (crm_bench_timeline)")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database, no fill")
    args = parser.parse_args()
    url = f"{pg_base_url()}/crm_bench_timeline"
    settings = root.settings(database_url=url, internal_secret=new_secret())
    reps = [new_user("sales") for _ in range(20)]
    admin = new_user("admin")
    if not args.reuse:
        drop_database(url)
        ensure_database(url)
        root.migrate(settings)
    engine = make_engine(url, pool_size=2)
    try:
        with engine.begin() as conn:
            stored = [r[0] for r in conn.execute(sa.text(
                "SELECT owner_id FROM acl_customers GROUP BY owner_id HAVING count(*) > 1 ORDER BY owner_id"))]
            if stored:
                reps = [{**new_user("sales"), "id": i} for i in stored]
            for u in [*reps, admin] if not stored else [admin]:
                upsert_user(conn, u)
        if not args.reuse:
            t = time.monotonic()
            print(f"filling {args.events:,} events over {args.customers:,} customers ...", flush=True)
            fill(engine, args.events, args.customers, [u["id"] for u in reps])
            print(f"filled in {time.monotonic() - t:.0f}s", flush=True)
        with engine.connect() as conn:
            total = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
            n_customers = conn.execute(sa.text("SELECT count(*) FROM acl_customers")).scalar_one()
            owners = dict(conn.execute(sa.text("SELECT customer_id, owner_id FROM acl_customers")).all())
        print(f"events stored: {total:,}; customers: {n_customers:,}")
        app = root.create_app(settings)
        by_id = {u["id"]: u for u in reps}
        as_admin = ServiceClient(app, admin, settings.internal_secret)
        rnd = random.Random(5)
        picks = [cid_py(rnd.randrange(1, n_customers)) for _ in range(args.runs)]
        timed(as_admin, {"customer_id": picks[0]}, 20)  # warm up
        report("first page, random customer, admin", timed(as_admin, lambda i: {"customer_id": picks[i]}, args.runs))
        rep_ms = []
        for cid in picks[: args.runs // 2]:
            client = ServiceClient(app, by_id[owners[cid]], settings.internal_secret)
            rep_ms += timed(client, {"customer_id": cid}, 1)
        report("first page, random customer, its sales rep", rep_ms)
        hot = cid_py(0)
        report("first page, hot customer (1% of all events)", timed(as_admin, {"customer_id": hot}, args.runs // 3))
        body = as_admin.get("/timeline", query_string={"customer_id": hot, "per_page": 200}).get_json()
        cursor = body["next_cursor"]
        for _ in range(49):
            cursor = as_admin.get("/timeline", query_string={"customer_id": hot, "per_page": 200,
                                                             "before": cursor}).get_json()["next_cursor"]
        report("hot customer, page 51 by cursor (entries 10,000+)",
               timed(as_admin, {"customer_id": hot, "before": cursor}, args.runs // 3))
        report("hot customer, type filter, first page",
               timed(as_admin, {"customer_id": hot, "type": "billing.invoice.issued"}, args.runs // 3))
        # audit: a rep with 1/20 of all customers, and a rep with a single customer
        rep = reps[0]
        few = new_user("sales")
        with engine.begin() as conn:
            upsert_user(conn, few)
            conn.execute(sa.text("INSERT INTO acl_customers (customer_id, owner_id, name) VALUES (:c, :o, 'few') "
                                 "ON CONFLICT (customer_id) DO UPDATE SET owner_id = EXCLUDED.owner_id"),
                         {"c": cid_py(n_customers - 1), "o": few["id"]})
        report("audit first page, admin", timed_path(as_admin, "/audit", {}, args.runs // 3))
        report("audit first page, rep with 1/20 of customers",
               timed_path(ServiceClient(app, by_id[rep["id"]], settings.internal_secret), "/audit", {}, args.runs // 3))
        report("audit first page, rep with one customer",
               timed_path(ServiceClient(app, few, settings.internal_secret), "/audit", {}, 10))
        report("audit by actor, admin",
               timed_path(as_admin, "/audit", {"actor_id": rep["id"]}, args.runs // 3))
        app.extensions["crm"].engine.dispose()
    finally:
        engine.dispose()
        if not args.keep and not args.reuse:
            drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
