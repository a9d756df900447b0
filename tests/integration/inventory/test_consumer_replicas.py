"""Two inventory consumer processes reserve at the same time (issue 19): row locks instead
of one advisory lock. Orders of 2-3 lines over four products in two warehouses, far more
demand than stock, some cancelled, published to the broker and taken by two real consumer
processes with small batches so that their transactions overlap on the same rows all the
time. Nothing is oversold, every order is answered once, the ledger adds up to the levels,
both processes took part, and PostgreSQL detected no deadlock (none was retried, nothing
went to a retry queue or the DLQ)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pika
import pytest
import sqlalchemy as sa

from services.inventory.bootstrap import root as inventory
from services.inventory.rebuild import differences, total_differences
from shared.config import settings_for
from shared.db import make_engine
from shared.envelope import Envelope
from shared.events.sales import _ORDER
from shared.testing.servers import postgres_server, rabbitmq_vhost, scratch_database
from shared.topology import connect, dlq_name, retry_queue_name

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
ORDERS = 300
PER_ROW = 40


def _seed(engine) -> tuple[list[str], list[str]]:
    products = [str(uuid.uuid4()) for _ in range(4)]
    warehouses = [str(uuid.uuid4()) for _ in range(2)]
    tag = uuid.uuid4().hex[:6]
    rows = [{"p": p, "w": w, "q": PER_ROW} for p in products for w in warehouses]
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO warehouses (id, code, name, region) VALUES (:id, :c, :n, 'cn-east')"),
                     [{"id": w, "c": f"R{tag}{i}", "n": f"副本仓{i}"} for i, w in enumerate(warehouses)])
        conn.execute(sa.text("INSERT INTO products (id, sku, name, unit, list_price, safety_stock) "
                             "VALUES (:id, :s, :n, '台', 10, 0)"),
                     [{"id": p, "s": f"R-{tag}-{i}", "n": f"争用产品{tag}{i}"} for i, p in enumerate(products)])
        conn.execute(sa.text("INSERT INTO stock (product_id, warehouse_id, on_hand) VALUES (:p, :w, :q)"), rows)
        conn.execute(sa.text("INSERT INTO stock_ledger (product_id, warehouse_id, kind, on_hand_delta, "
                             "reserved_delta, ref_type) VALUES (:p, :w, 'receipt', :q, 0, 'seed')"), rows)
        conn.execute(sa.text("INSERT INTO product_stock (product_id, available) VALUES (:p, :a)"),
                     [{"p": p, "a": PER_ROW * len(warehouses)} for p in products])
    return products, warehouses


def _events(products: list[str], warehouses: list[str]) -> tuple[list[Envelope], set[str]]:
    """ORDERS placed events (lines in a random order, half naming a warehouse), then a
    cancel for every fifth order."""
    rng = random.Random(19)
    line = _ORDER["lines"][0]
    placed, cancelled = [], set()
    for i in range(ORDERS):
        oid, cid = str(uuid.uuid4()), str(uuid.uuid4())
        lines = [{**line, "product_id": p, "quantity": rng.randint(1, 2)}
                 for p in rng.sample(products, rng.randint(2, 3))]
        data = {**_ORDER, "id": oid, "customer_id": cid, "lines": lines,
                "warehouse_id": rng.choice(warehouses) if i % 2 else None}
        placed.append(Envelope(event_type="sales.order.placed", aggregate_type="order", aggregate_id=oid, data=data,
                               producer="sales", region="cn-east", aggregate_seq=2, customer_id=cid))
    cancels = []
    for env in placed[::5]:
        cancelled.add(env.aggregate_id)
        cancels.append(Envelope(event_type="sales.order.cancelled", aggregate_type="order",
                                aggregate_id=env.aggregate_id, data={**env.data, "status": "cancelled"},
                                producer="sales", region="cn-east", aggregate_seq=3, customer_id=env.customer_id))
    return placed + cancels, cancelled


def _deadlocks(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")).scalar_one() or 0)


def _depths(settings) -> dict[str, int]:
    conn = connect(settings.rabbitmq_url)
    try:
        ch = conn.channel()
        names = [settings.queue_name, dlq_name(settings.queue_name)]
        names += [retry_queue_name(settings.queue_name, i + 1) for i in range(len(settings.retry_delays_ms))]
        return {n: ch.queue_declare(n, passive=True).method.message_count for n in names}
    finally:
        conn.close()


def _publish_once_both_consume(settings, events: list[Envelope]) -> None:
    """Publish when both consumers are on the queue (a lone early one would take it all)."""
    conn = connect(settings.rabbitmq_url)
    try:
        ch = conn.channel()
        deadline = time.monotonic() + 120  # a loaded machine starts Python slowly
        while ch.queue_declare(settings.queue_name, passive=True).method.consumer_count < 2:
            assert time.monotonic() < deadline, "the two consumers did not start"
            time.sleep(0.2)
        ch.confirm_delivery()
        props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
        for env in events:
            ch.basic_publish(settings.exchange, env.routing_key, env.to_json(), props)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def replicas_run(tmp_path_factory):
    """Run the whole scenario once: (engine, settings, events, cancelled ids, logs, deadlocks)."""
    logs_dir = tmp_path_factory.mktemp("inventory-replicas")
    with postgres_server() as pg, rabbitmq_vhost() as amqp, scratch_database(pg, "inv_replicas") as db_url:
        settings = settings_for("inventory", database_url=db_url, rabbitmq_url=amqp)
        inventory.migrate(settings)
        inventory.declare(settings)
        engine = make_engine(db_url, pool_size=2)
        products, warehouses = _seed(engine)
        events, cancelled = _events(products, warehouses)
        before = _deadlocks(engine)
        env = {**os.environ, "INVENTORY_DATABASE_URL": db_url, "RABBITMQ_URL": amqp, "PYTHONPATH": str(ROOT),
               "INVENTORY_CONSUMER_BATCH": "10", "CRM_PREFETCH": "20", "LOG_FORMAT": "json", "CRM_METRICS_PORT": ""}
        logs = [logs_dir / f"consumer-{i}.log" for i in range(2)]
        procs = []
        for path in logs:
            with open(path, "wb") as out:
                procs.append(subprocess.Popen([sys.executable, "-m", "services.inventory", "consumer"], cwd=ROOT,
                                              env=env, stdout=subprocess.DEVNULL, stderr=out))
        try:
            _publish_once_both_consume(settings, events)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                with engine.connect() as c:
                    handled = c.execute(sa.text("SELECT count(*) FROM inbox WHERE handler LIKE 'inventory.%'"))
                    if handled.scalar_one() >= len(events):
                        break
                time.sleep(0.5)
            time.sleep(1.5)  # the statistics of the last transactions
            deadlocks = _deadlocks(engine) - before
            depths = _depths(settings)
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        yield engine, events, cancelled, [p.read_text() for p in logs], deadlocks, depths
        engine.dispose()


def test_two_consumers_never_oversell_and_answer_every_order_once(replicas_run):
    engine, events, cancelled, _logs, _deadlocks, _depths = replicas_run
    placed = [e for e in events if e.event_type == "sales.order.placed"]
    with engine.connect() as conn:
        handled = conn.execute(sa.text("SELECT count(*) FROM inbox WHERE handler LIKE 'inventory.%'")).scalar_one()
        assert handled == len(events)
        assert conn.execute(sa.text("SELECT count(*) FROM stock WHERE reserved > on_hand OR reserved < 0")
                            ).scalar_one() == 0
        assert differences(conn) == [] and total_differences(conn) == []
        statuses = dict(conn.execute(sa.text("SELECT order_id, status FROM reservations")).all())
        answers = Counter(conn.execute(sa.text(
            "SELECT payload->'data'->>'order_id' FROM outbox WHERE payload->>'event_type' IN "
            "('inventory.stock.reserved', 'inventory.stock.reservation_failed')")).scalars())
        # what is reserved is exactly the open reservations' lines, row by row
        held = dict(((w, p), int(q)) for w, p, q in conn.execute(sa.text(
            "SELECT r.warehouse_id, l.product_id, sum(l.quantity - l.shipped - l.released) FROM reservations r "
            "JOIN reservation_lines l USING (order_id) WHERE r.status = 'reserved' GROUP BY 1, 2")).all())
        levels = {(w, p): int(r) for w, p, r in conn.execute(sa.text(
            "SELECT warehouse_id, product_id, reserved FROM stock")).all()}
    assert {k: v for k, v in levels.items() if v} == {k: v for k, v in held.items() if v}
    assert len(statuses) == ORDERS
    for env in placed:
        oid = env.aggregate_id
        if statuses[oid] == "cancelled":  # its cancel came first: never reserved, never answered
            assert oid in cancelled and answers[oid] == 0
            continue
        assert answers[oid] == 1, oid
        expected = ("released", "failed") if oid in cancelled else ("reserved", "failed")
        assert statuses[oid] in expected, (oid, statuses[oid])
    # demand is about three times the stock: the consumers competed for the last units
    assert Counter(statuses.values())["failed"] > ORDERS // 4


def test_two_consumers_shared_the_work_without_deadlocks(replicas_run):
    _engine, events, _cancelled, logs, deadlocks, depths = replicas_run
    assert deadlocks == 0
    assert depths == dict.fromkeys(depths, 0), depths  # nothing waiting, retried or dead-lettered
    handled_by = []
    for text in logs:
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        assert not [x for x in lines if "applying it again" in x.get("message", "")
                    or x.get("outcome") in ("retried", "dead_lettered")], text[-2000:]
        handled_by.append(sum(1 for x in lines if x.get("outcome") == "handled"))
    assert sum(handled_by) == len(events) and min(handled_by) > len(events) // 10, handled_by
