"""Tracking ingest rate: a backlog of N events (default 100,000) published to the broker
and drained by the real tracking consumer (`python -m services.tracking consumer`, one
or more replicas) into a scratch database; plus a raw pika consumer baseline (ack only,
no database) on the same backlog size.

    .venv/bin/python bench/tracking_ingest.py [--events 100000] [--replicas 1]

Uses a fresh vhost and scratch database (dropped afterwards)."""

from __future__ import annotations

import argparse
import copy
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pika
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.tracking.bootstrap import root  # noqa: E402
from services.tracking.handlers import handler_table  # noqa: E402
from shared import events as registry  # noqa: E402
from shared.config import pg_base_url  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.envelope import Envelope  # noqa: E402
from shared.testing.servers import rabbitmq_vhost, scratch_database  # noqa: E402
from shared.topology import connect, declare_consumer_queue  # noqa: E402

MIX = [  # (event type, weight): what a working day looks like
    ("customer.activity.logged", 20), ("customer.customer.updated", 8), ("sales.order.created", 8),
    ("sales.order.confirmed", 8), ("sales.order.payment_updated", 6), ("sales.quote.created", 8),
    ("inventory.stock.changed", 14), ("inventory.stock.reserved", 6), ("billing.payment.received", 6),
    ("billing.invoice.issued", 6), ("sales.opportunity.updated", 5), ("crm.unknown.happened", 5),
]


def make_events(n: int, customers: int = 2000) -> list[Envelope]:
    rnd = random.Random(1)
    types = [t for t, w in MIX for _ in range(w)]
    cids = [str(uuid.uuid4()) for _ in range(customers)]
    actors = [str(uuid.uuid4()) for _ in range(50)]
    out, seqs = [], {}
    for i in range(n):
        et = rnd.choice(types)
        cid = rnd.choice(cids)
        try:
            data = copy.deepcopy(registry.spec(et).sample)
        except registry.UnknownEventType:
            data = {"n": i}
        agg = str(uuid.uuid4()) if rnd.random() < 0.5 else cid
        if "id" in data:
            data["id"] = agg
        if "customer_id" in data:
            data["customer_id"] = cid
        seqs[agg] = seqs.get(agg, 0) + 1
        out.append(Envelope(event_type=et, aggregate_type=et.split(".")[1], aggregate_id=agg, data=data,
                            producer=et.split(".")[0], region="cn-east", aggregate_seq=seqs[agg], customer_id=cid,
                            actor_id=rnd.choice(actors)))
    return out


def publish(url: str, exchange: str, envelopes: list[Envelope]) -> float:
    conn = connect(url)
    ch = conn.channel()
    ch.confirm_delivery()
    props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
    started = time.monotonic()
    bodies = [(e.routing_key, e.to_json()) for e in envelopes]
    # confirms per message are slow with BlockingChannel: all but the last without, the last
    # confirmed (the broker confirms in order on one connection's channels only per channel,
    # so the backlog is then awaited by queue depth)
    raw = conn.channel()
    for key, body in bodies[:-1]:
        raw.basic_publish(exchange, key, body, props)
    ch.basic_publish(exchange, bodies[-1][0], bodies[-1][1], props)
    conn.close()
    return time.monotonic() - started


def queue_depth(url: str, queue: str) -> int:
    conn = connect(url)
    try:
        return conn.channel().queue_declare(queue, passive=True).method.message_count
    finally:
        conn.close()


def wait_depth(url: str, queue: str, n: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while queue_depth(url, queue) < n:
        if time.monotonic() > deadline:
            raise RuntimeError("backlog did not build up")
        time.sleep(0.2)


def pika_baseline(url: str, settings, envelopes: list[Envelope]) -> float:
    queue = "bench.pika"
    conn = connect(url)
    ch = conn.channel()
    declare_consumer_queue(ch, settings.with_(retry_delays_ms=()), queue, ["#"])
    conn.close()
    publish(url, settings.exchange, envelopes)
    wait_depth(url, queue, len(envelopes))
    conn = connect(url)
    ch = conn.channel()
    ch.basic_qos(prefetch_count=settings.prefetch)
    got = 0
    started = time.monotonic()
    for method, _props, _body in ch.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        ch.basic_ack(method.delivery_tag)
        got += 1
        if got >= len(envelopes):
            break
    elapsed = time.monotonic() - started
    ch.cancel()
    ch.queue_delete(queue)
    conn.close()
    return got / elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--replicas", type=int, default=1)
    args = parser.parse_args()
    envelopes = make_events(args.events)
    with rabbitmq_vhost() as amqp, scratch_database(pg_base_url(), "bench_ingest") as db:
        settings = root.settings(database_url=db, rabbitmq_url=amqp)
        root.migrate(settings)
        print(f"pika baseline (ack only, prefetch {settings.prefetch}): "
              f"{pika_baseline(amqp, settings, envelopes):,.0f} msg/s")
        conn = connect(amqp)
        declare_consumer_queue(conn.channel(), settings, settings.queue_name, handler_table().patterns)
        conn.close()
        took = publish(amqp, settings.exchange, envelopes)
        wait_depth(amqp, settings.queue_name, len(envelopes))
        print(f"published a backlog of {len(envelopes):,} events in {took:.1f}s")
        env = {**os.environ, "TRACKING_DATABASE_URL": db, "RABBITMQ_URL": amqp, "LOG_LEVEL": "WARNING"}
        procs = [subprocess.Popen([sys.executable, "-m", "services.tracking", "consumer"], cwd=ROOT, env=env)
                 for _ in range(args.replicas)]
        engine = make_engine(db, pool_size=1)
        first = last = None
        count = 0
        try:
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                with engine.connect() as c:
                    count = c.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
                now = time.monotonic()
                if count and first is None:
                    first, first_count = now, count
                if count >= len(envelopes):
                    last = now
                    break
                time.sleep(0.25)
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=30)
            engine.dispose()
        if last is None:
            print(f"did not finish: {count:,} events stored")
            return 1
        rate = (count - first_count) / (last - first)
        print(f"tracking consumer x{args.replicas}: {count:,} events stored, {rate:,.0f} events/s "
              f"(from first stored to last, {last - first:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    sys.exit(main())
