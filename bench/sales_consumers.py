"""Orders settled per second by 1 and by N competing sales consumer processes (issue 19):
a backlog of inventory.stock.reserved answers for pending orders, consumed by the real
sales consumer process(es) (`python -m services.sales consumer`), which confirm each order
(row lock, state rule, outbox event) exactly once.

    .venv/bin/python bench/sales_consumers.py [--orders 2000] [--consumers 1 3]

For each consumer count: a scratch database and vhost, N pending orders seeded, N answers
published, the consumers started; prints orders confirmed per second (first to last
commit, and wall time from start-up) and checks every order was confirmed exactly once
(one sales.order.confirmed event each). Removed afterwards."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pika
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.sales.bootstrap import root as sales  # noqa: E402
from shared.config import settings_for  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.envelope import Envelope  # noqa: E402
from shared.testing.servers import postgres_server, rabbitmq_vhost, scratch_database  # noqa: E402
from shared.topology import connect  # noqa: E402


def seed_orders(engine, n: int) -> list[tuple[str, str, str]]:
    """n pending orders of one line each: (order id, product id, warehouse id)."""
    product, warehouse = str(uuid.uuid4()), str(uuid.uuid4())
    orders = [(str(uuid.uuid4()), product, warehouse) for _ in range(n)]
    customer, owner = str(uuid.uuid4()), str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO orders (id, number, customer_id, owner_id, status, net, tax, gross) "
            "VALUES (:id, :no, :c, :o, 'pending', 100, 13, 113)"),
            [{"id": oid, "no": f"B-{i:07d}-{oid[:6]}", "c": customer, "o": owner} for i, (oid, _, _) in enumerate(orders)])
        conn.execute(sa.text(
            "INSERT INTO order_lines (order_id, line_no, customer_id, product_id, product_name, quantity, unit_price, "
            "discount_pct, tax_rate, net, tax, gross) VALUES (:id, 1, :c, :p, '联轴器', 2, 50, 0, 13, 100, 13, 113)"),
            [{"id": oid, "c": customer, "p": pid} for oid, pid, _ in orders])
    return orders


def publish_answers(settings, orders: list[tuple[str, str, str]]) -> None:
    conn = connect(settings.rabbitmq_url)
    ch = conn.channel()
    ch.confirm_delivery()
    props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
    for oid, pid, wid in orders:
        env = Envelope(event_type="inventory.stock.reserved", aggregate_type="reservation", aggregate_id=oid,
                       data={"order_id": oid, "warehouse_id": wid, "lines": [{"product_id": pid, "quantity": 2}]},
                       producer="inventory", region="cn-east", aggregate_seq=1, actor_id=str(uuid.uuid4()),
                       correlation_id=str(uuid.uuid4()))
        ch.basic_publish(settings.exchange, env.routing_key, env.to_json(), props)
    conn.close()


def run(n_orders: int, consumers: int, timeout: float) -> tuple[bool, str]:
    with postgres_server() as pg, rabbitmq_vhost() as amqp, scratch_database(pg, "bench_sales_consumers") as db_url:
        settings = settings_for("sales", database_url=db_url, rabbitmq_url=amqp)
        sales.migrate(settings)
        sales.declare(settings)
        engine = make_engine(db_url, pool_size=2)
        orders = seed_orders(engine, n_orders)
        publish_answers(settings, orders)
        env = {**os.environ, "SALES_DATABASE_URL": db_url, "RABBITMQ_URL": amqp, "PYTHONPATH": str(ROOT),
               "LOG_LEVEL": "WARNING"}
        env.pop("CRM_METRICS_PORT", None)
        log = open("/tmp/bench-sales-consumer.log", "ab")  # noqa: SIM115 - lives as long as the consumers
        t_start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "services.sales", "consumer"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log) for _ in range(consumers)]
        try:
            done, deadline = 0, time.monotonic() + timeout
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    done = conn.execute(sa.text("SELECT count(*) FROM orders WHERE status = 'confirmed'")).scalar_one()
                if done >= n_orders:
                    break
                time.sleep(0.2)
            wall = time.perf_counter() - t_start
        finally:
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
            first, last = conn.execute(sa.text(
                "SELECT min(created_at), max(created_at) FROM outbox "
                "WHERE payload->>'event_type' = 'sales.order.confirmed'")).one()
            per_order = conn.execute(sa.text(
                "SELECT count(*), count(DISTINCT payload->>'aggregate_id') FROM outbox "
                "WHERE payload->>'event_type' = 'sales.order.confirmed'")).one()
        engine.dispose()
    span = (last - first).total_seconds() if first and last else float("nan")
    once = per_order[0] == per_order[1] == n_orders
    return (done >= n_orders and once,
            f"sales consumers: {consumers}; confirmed {done}/{n_orders}; orders/s {done / span:.0f} "
            f"(first to last commit, {span:.1f}s), {done / wall:.0f} including start-up ({wall:.1f}s); "
            f"exactly once: {'yes' if once else f'NO ({per_order[0]} events for {per_order[1]} orders)'}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=2000)
    ap.add_argument("--consumers", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    ok = True
    for count in args.consumers:
        good, line = run(min(args.orders, 20000), max(1, min(count, 8)), args.timeout)
        ok &= good
        print(line, flush=True)
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
          "at the end (other work shares the cores)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
