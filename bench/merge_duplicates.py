"""Bench: possible duplicate pairs and a merge with its undo on a large customer table.

A scratch customer database (dropped afterwards) with --customers customers owned by 20 reps
(by blocks of 50, so a rep owns both customers of some pairs);
every 50th customer shares its phone with the next one and every 100th has a contact whose
e-mail another customer's contact has too; one duplicate has --records contacts and as many
activities. Prints the time of GET /customers/duplicates' query (admin: everything; a rep:
their twentieth) and of the merge and the undo (the customer service's transaction).

    .venv/bin/python bench/merge_duplicates.py [--customers 100000] [--records 2000]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from services.customer.bootstrap import root  # noqa: E402
from services.customer.commands import merges  # noqa: E402
from services.customer.duplicate_pairs import duplicate_pairs  # noqa: E402
from shared.config import pg_base_url  # noqa: E402
from shared.identity import Principal  # noqa: E402
from shared.outbox import EventContext  # noqa: E402
from shared.testing.clients import new_user, seed_users  # noqa: E402
from shared.testing.servers import scratch_database  # noqa: E402

FILL = """
INSERT INTO customers (id, name, name_key, search_text, phone, phone_key, owner_id, status, custom_fields)
SELECT md5('c' || i)::uuid::text, '合并测试客户' || i, 'mergebench' || i, '合并测试客户' || i,
       '021-' || lpad((i - (i % 50 = 1)::int)::text, 8, '0'), lpad((i - (i % 50 = 1)::int)::text, 8, '0'),
       (CAST(:owners AS varchar[]))[1 + (i / 50) % 20], 'active', '{}'::jsonb
FROM generate_series(1, :n) AS i
"""
CONTACTS = """
INSERT INTO contacts (id, customer_id, name, search_text, email)
SELECT md5('k' || i)::uuid::text, md5('c' || i)::uuid::text, '联系人' || i, '联系人' || i,
       'buyer' || (i / 2) || '@example.cn'
FROM generate_series(1, :n) AS i WHERE i % 100 IN (0, 1)
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=2_000)
    args = parser.parse_args()
    with scratch_database(pg_base_url(), "merge_bench") as url:
        settings = root.settings(database_url=url)
        root.migrate(settings)
        ctx = root.context(settings)
        admin = new_user("admin")
        reps = [new_user("sales") for _ in range(20)]
        seed_users(ctx.engine, admin, *reps)
        started = time.perf_counter()
        with ctx.engine.begin() as conn:
            conn.execute(sa.text(FILL), {"n": args.customers, "owners": [r["id"] for r in reps]})
            conn.execute(sa.text(CONTACTS), {"n": args.customers})
            conn.execute(sa.text("INSERT INTO acl_customers (customer_id, owner_id, name, status) "
                                 "SELECT id, owner_id, name, 'active' FROM customers"))
            dup = conn.execute(sa.text("SELECT md5('c' || 51)::uuid::text")).scalar_one()
            keep = conn.execute(sa.text("SELECT md5('c' || 50)::uuid::text")).scalar_one()
            conn.execute(sa.text(
                "INSERT INTO contacts (id, customer_id, name, search_text) SELECT gen_random_uuid()::text, :c, '批量' || i, '批量' || i "
                "FROM generate_series(1, :n) AS i"), {"c": dup, "n": args.records})
            conn.execute(sa.text(
                "INSERT INTO activities (id, customer_id, kind, summary, occurred_at, author_id) "
                "SELECT gen_random_uuid()::text, :c, 'call', '电话' || i, now(), :u FROM generate_series(1, :n) AS i"),
                {"c": dup, "n": args.records, "u": admin["id"]})
            conn.execute(sa.text("ANALYZE"))
        print(f"filled {args.customers} customers in {time.perf_counter() - started:.1f}s")
        who_admin = Principal(admin["id"], "admin")
        with ctx.engine.connect() as conn:
            owner = conn.execute(sa.text("SELECT owner_id FROM customers WHERE id = :c"), {"c": dup}).scalar_one()
        who_rep = Principal(owner, "sales")
        for label, who in (("admin", who_admin), ("rep", who_rep)):
            with ctx.engine.connect() as conn:
                t0 = time.perf_counter()
                items, total = duplicate_pairs(conn, who, 1, 50)
                print(f"duplicates ({label}): {total} pairs, first page in {(time.perf_counter() - t0) * 1000:.0f} ms")
        events = EventContext(actor_id=admin["id"], correlation_id=str(uuid.uuid4()))
        t0 = time.perf_counter()
        done = merges.merge(ctx, events, who_admin, keep, dup, None)
        print(f"merge: moved {done['moved']['contacts']} contacts and {done['moved']['activities']} activities "
              f"in {(time.perf_counter() - t0) * 1000:.0f} ms")
        t0 = time.perf_counter()
        merges.undo(ctx, events, who_admin, done["merge_id"])
        print(f"undo: {(time.perf_counter() - t0) * 1000:.0f} ms")
        ctx.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
