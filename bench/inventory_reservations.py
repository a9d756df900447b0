"""Inventory reservation throughput (issues 5 and 19): a backlog of sales.order.placed events
(3 lines each) published to the broker, consumed by the real inventory consumer process(es).

    .venv/bin/python bench/inventory_reservations.py [--orders 10000] [--consumers 1,2] [--products 300]

Runs once per consumer count in --consumers (default 1 and 2), each time with the same
seeded stock and the same orders in a fresh scratch database and vhost, and prints per run
the reservations processed per second (from the first to the last committed reservation,
and wall time from consumer start), how many reserved / failed, outbox events written, the
deadlocks PostgreSQL counted, how much of the consumers' transaction time went to waiting
for each other's locks (sampled), and checks that ledger sums equal levels and nothing is
oversold; then the throughput of each count against the first. Removes the scratch
databases and vhosts after."""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pika
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.inventory.bootstrap import root as inventory  # noqa: E402
from shared.config import settings_for  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.envelope import Envelope  # noqa: E402
from shared.events.sales import _ORDER  # noqa: E402
from shared.testing.servers import postgres_server, rabbitmq_vhost, scratch_database  # noqa: E402
from shared.topology import connect  # noqa: E402


def seed(engine, n_products: int, n_warehouses: int, per_row: int) -> tuple[list[str], list[str]]:
    products = [str(uuid.uuid4()) for _ in range(n_products)]
    warehouses = [str(uuid.uuid4()) for _ in range(n_warehouses)]
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO warehouses (id, code, name, region) VALUES (:id, :c, :n, 'cn-east')"),
                     [{"id": w, "c": f"WH{i}", "n": f"仓库{i}"} for i, w in enumerate(warehouses)])
        conn.execute(sa.text("INSERT INTO products (id, sku, name, unit, list_price, safety_stock) "
                             "VALUES (:id, :s, :n, '台', 10, 5)"),
                     [{"id": p, "s": f"B-{i}", "n": f"产品{i}"} for i, p in enumerate(products)])
        rows = [{"p": p, "w": w, "q": per_row} for p in products for w in warehouses]
        conn.execute(sa.text("INSERT INTO stock (product_id, warehouse_id, on_hand) VALUES (:p, :w, :q)"), rows)
        conn.execute(sa.text("INSERT INTO stock_ledger (product_id, warehouse_id, kind, on_hand_delta, "
                             "reserved_delta, ref_type) VALUES (:p, :w, 'receipt', :q, 0, 'seed')"), rows)
        conn.execute(sa.text("INSERT INTO product_stock (product_id, available) VALUES (:p, :a)"),
                     [{"p": p, "a": per_row * n_warehouses} for p in products])
    return products, warehouses


def placed_events(n: int, products: list[str], warehouses: list[str], rng: random.Random) -> list[Envelope]:
    out = []
    line = _ORDER["lines"][0]
    for i in range(n):
        oid = str(uuid.uuid4())
        cid = str(uuid.uuid4())
        lines = [{**line, "product_id": p, "quantity": rng.randint(1, 3)} for p in rng.sample(products, 3)]
        # half name a warehouse, half let inventory choose one that can supply every line
        wid = warehouses[i % len(warehouses)] if i % 2 == 0 else None
        data = {**_ORDER, "id": oid, "customer_id": cid, "warehouse_id": wid, "lines": lines}
        out.append(Envelope(event_type="sales.order.placed", aggregate_type="order", aggregate_id=oid, data=data,
                            producer="sales", region="cn-east", aggregate_seq=2, customer_id=cid,
                            actor_id=str(uuid.uuid4()), correlation_id=str(uuid.uuid4())))
    return out


def publish(settings, envelopes: list[Envelope]) -> float:
    conn = connect(settings.rabbitmq_url)
    ch = conn.channel()
    ch.confirm_delivery()
    props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
    t0 = time.perf_counter()
    for env in envelopes:
        ch.basic_publish(settings.exchange, env.routing_key, env.to_json(), props)
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def queue_depth(settings) -> int:
    conn = connect(settings.rabbitmq_url)
    try:
        return conn.channel().queue_declare(settings.queue_name, passive=True).method.message_count
    finally:
        conn.close()


def deadlocks(engine) -> int:
    """Deadlocks PostgreSQL detected in this database so far (statistics lag up to a second)."""
    with engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")).scalar_one() or 0)


class LockWaits(threading.Thread):
    """Samples pg_stat_activity every 50 ms: of the database's backends inside a
    transaction, how many wait for a lock another holds (wait_event_type Lock: the old
    advisory lock, a row or transaction id). A figure that CPU contention from other work
    on the machine distorts less than throughput does."""

    def __init__(self, engine):
        super().__init__(daemon=True)
        self.engine, self.stop, self.in_tx, self.waiting = engine, threading.Event(), 0, 0

    def run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.is_set():
                row = conn.execute(sa.text(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
                    "AND backend_type = 'client backend'")).one()
                conn.rollback()
                self.waiting += row[0]
                self.in_tx += row[1]
                self.stop.wait(0.05)

    @property
    def share(self) -> float:
        return self.waiting / self.in_tx if self.in_tx else 0.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=10000)
    ap.add_argument("--consumers", default="1,2", help="consumer counts to run one after the other, e.g. 1,2")
    ap.add_argument("--products", type=int, default=300)
    ap.add_argument("--warehouses", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--batch", type=int, default=None, help="INVENTORY_CONSUMER_BATCH for the consumers")
    args = ap.parse_args()
    counts = [int(c) for c in str(args.consumers).split(",") if c.strip()]
    results: list[tuple[int, float]] = []
    status = 0
    for n in counts:
        print(f"--- {n} consumer{'s' if n > 1 else ''} ---", flush=True)
        ok, rate, share = run(args, n)
        results.append((n, rate, share))
        status = status or (0 if ok else 1)
    if len(results) > 1:
        base_n, base, _ = results[0]
        print("summary: " + "; ".join(f"{n} consumer{'s' if n > 1 else ''} {rate:.0f}/s (lock waits {share:.0%})"
                                      for n, rate, share in results)
              + "; " + ", ".join(f"{n} vs {base_n}: x{rate / base:.2f}" for n, rate, _ in results[1:]))
    return status


def run(args: argparse.Namespace, consumers: int) -> tuple[bool, float, float]:
    """One run with `consumers` consumer processes: (every check passed, reservations/s,
    share of lock waits)."""
    rng = random.Random(5)
    with postgres_server() as pg, rabbitmq_vhost() as amqp, scratch_database(pg, "bench_inventory") as db_url:
        settings = settings_for("inventory", database_url=db_url, rabbitmq_url=amqp)
        inventory.migrate(settings)
        inventory.declare(settings)
        engine = make_engine(db_url, pool_size=2)
        # about 1.2x the expected demand per row: most orders succeed, some rows run out
        # (a failed reservation is work too: it is decided and published)
        per_row = max(10, int(args.orders * 3 * 2 * 1.2 / (args.products * args.warehouses)))
        products, warehouses = seed(engine, args.products, args.warehouses, per_row)
        envelopes = placed_events(args.orders, products, warehouses, rng)
        pub_s = publish(settings, envelopes)
        print(f"published {len(envelopes)} sales.order.placed (3 lines each) in {pub_s:.1f}s "
              f"({len(envelopes) / pub_s:.0f}/s); queue depth {queue_depth(settings)}")

        env = {**os.environ, "INVENTORY_DATABASE_URL": db_url, "RABBITMQ_URL": amqp, "PYTHONPATH": str(ROOT)}
        if args.batch:
            env["INVENTORY_CONSUMER_BATCH"] = str(args.batch)
        log = open("/tmp/bench-inventory-consumer.log", "ab")  # noqa: SIM115 - lives as long as the consumers
        deadlocks_before = deadlocks(engine)
        waits = LockWaits(engine)
        waits.start()
        t_start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "services.inventory", "consumer"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log) for _ in range(consumers)]
        try:
            done = 0
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    done = conn.execute(sa.text(
                        "SELECT count(*) FROM reservations WHERE status IN ('reserved', 'failed')")).scalar_one()
                if done >= args.orders:
                    break
                time.sleep(0.25)
            wall = time.perf_counter() - t_start
        finally:
            waits.stop.set()
            waits.join(5)
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
            log.close()
        with engine.connect() as conn:
            first, last = conn.execute(sa.text("SELECT min(updated_at), max(updated_at) FROM reservations")).one()
            counts = dict(conn.execute(sa.text("SELECT status, count(*) FROM reservations GROUP BY status")).all())
            events = dict(conn.execute(sa.text(
                "SELECT payload->>'event_type', count(*) FROM outbox GROUP BY 1")).all())
            mismatched = conn.execute(sa.text(
                "SELECT count(*) FROM stock s JOIN (SELECT product_id, warehouse_id, sum(on_hand_delta) oh, "
                "sum(reserved_delta) r FROM stock_ledger GROUP BY 1, 2) l USING (product_id, warehouse_id) "
                "WHERE s.on_hand <> l.oh OR s.reserved <> l.r")).scalar_one()
            negative = conn.execute(sa.text("SELECT count(*) FROM stock WHERE on_hand < reserved")).scalar_one()
            from services.inventory.rebuild import total_differences

            totals_off = len(total_differences(conn))
            inbox = conn.execute(sa.text("SELECT count(*) FROM inbox")).scalar_one()
        time.sleep(1.0)  # the statistics of the consumers' last transactions
        deadlocked = deadlocks(engine) - deadlocks_before
        engine.dispose()
        span = (last - first).total_seconds() if first and last else float("nan")
        load = os.getloadavg()
        print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
              "at the end (other work shares the cores)")
        print(f"consumers: {consumers} (batch {args.batch or 'default'}); processed {done}/{args.orders} orders "
              f"(reserved {counts.get('reserved', 0)}, failed {counts.get('failed', 0)}); inbox rows {inbox}")
        print(f"reservations/s: {done / span:.0f} (first to last commit, {span:.1f}s); "
              f"{done / wall:.0f} including consumer start-up ({wall:.1f}s)")
        print("outbox events written: " + ", ".join(f"{k} {v}" for k, v in sorted(events.items())))
        print(f"ledger sums equal levels: {'yes' if mismatched == 0 else f'NO ({mismatched} rows differ)'}; "
              f"rows with available < 0: {negative}; product totals off: {totals_off}; "
              f"deadlocks detected: {deadlocked}", flush=True)
        print(f"lock waits: {waits.share:.0%} of the samples of a transaction in progress waited for another's lock",
              flush=True)
        ok = done >= args.orders and mismatched == 0 and negative == 0 and totals_off == 0
        return ok, done / span, waits.share


if __name__ == "__main__":
    sys.exit(main())
