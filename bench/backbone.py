"""Event backbone figures on this machine (issue 2), with the raw pika baseline in the same run.

    .venv/bin/python bench/backbone.py [--events 20000] [--latency-seconds 10]

Prints: raw pika confirmed publishes/s (100 in flight, and one by one), raw consumer
messages/s (prefetch 100), relay events/s from a backlog, tracking ingest events/s with
dedupe from a backlog, and commit-to-timeline latency p50/p99 at 200 events/s.
Uses a scratch database and a scratch vhost on the local servers; removes them after."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pika
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.tracking.bootstrap import root as tracking  # noqa: E402
from shared.config import settings_for  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.events import customer as customer_events  # noqa: E402
from shared.outbox import EventContext, Outbox  # noqa: E402
from shared.testing.servers import postgres_server, rabbitmq_vhost, scratch_database  # noqa: E402
from shared.topology import connect, declare_all  # noqa: E402


def raw_publish_windowed(url: str, n: int, window: int = 100) -> float:
    params = pika.URLParameters(url)
    state = {"sent": 0, "confirmed": 0, "outstanding": 0, "t0": 0.0, "t1": 0.0}
    body = b"x" * 600

    def on_open(conn):
        conn.channel(on_open_callback=on_channel)

    def on_channel(ch):
        def pump():
            while state["sent"] < n and state["outstanding"] < window:
                ch.basic_publish("", "bench.raw", body, pika.BasicProperties(delivery_mode=2))
                state["sent"] += 1
                state["outstanding"] += 1

        def on_confirm(frame):
            m = frame.method
            acked = m.delivery_tag - state["confirmed"] if m.multiple else 1
            state["confirmed"] += acked
            state["outstanding"] -= acked
            if state["confirmed"] >= n:
                state["t1"] = time.perf_counter()
                ch.connection.close()
            else:
                pump()

        def declared(_f):
            ch.confirm_delivery(on_confirm)
            state["t0"] = time.perf_counter()
            pump()

        ch.queue_declare("bench.raw", durable=True, callback=declared)

    conn = pika.SelectConnection(params, on_open_callback=on_open,
                                 on_close_callback=lambda c, r: c.ioloop.stop())
    conn.ioloop.start()
    return n / (state["t1"] - state["t0"])


def raw_publish_one_by_one(url: str, n: int) -> float:
    conn = connect(url)
    ch = conn.channel()
    ch.queue_declare("bench.raw", durable=True)
    ch.confirm_delivery()
    t0 = time.perf_counter()
    for _ in range(n):
        ch.basic_publish("", "bench.raw", b"x" * 600, pika.BasicProperties(delivery_mode=2))
    rate = n / (time.perf_counter() - t0)
    conn.close()
    return rate


def raw_consume(url: str, n: int) -> float:
    conn = connect(url)
    ch = conn.channel()
    ch.basic_qos(prefetch_count=100)
    got = 0
    t0 = time.perf_counter()
    for method, _p, _b in ch.consume("bench.raw", inactivity_timeout=5):
        if method is None:
            break
        ch.basic_ack(method.delivery_tag)
        got += 1
        if got >= n:
            break
    rate = got / (time.perf_counter() - t0)
    ch.cancel()
    ch.queue_purge("bench.raw")
    conn.close()
    return rate


def customer_payload(i: int) -> tuple[str, dict]:
    cid = str(uuid.uuid4())
    data = dict(customer_events._CUSTOMER_SAMPLE, id=cid, name=f"基准客户{i}")
    return cid, data


def fill_outbox(engine, settings, n: int) -> None:
    outbox = Outbox("customer", settings.region)
    ctx = EventContext(actor_id=str(uuid.uuid4()), correlation_id="bench")
    with engine.begin() as conn:
        for i in range(n):
            cid, data = customer_payload(i)
            outbox.add(conn, ctx, "customer.customer.created", aggregate_type="customer", aggregate_id=cid,
                       data=data, customer_id=cid)


def start(env: dict, kind: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "services.tracking", kind], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(f"/tmp/bench-{kind}.log", "ab"))


def wait_until(check, timeout: float) -> float:
    t0 = time.perf_counter()
    while not check():
        if time.perf_counter() - t0 > timeout:
            raise SystemExit("timed out")
        time.sleep(0.02)
    return time.perf_counter() - t0


def scalar(engine, sql: str) -> int:
    with engine.connect() as c:
        return int(c.execute(sa.text(sql)).scalar_one())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--latency-seconds", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=200.0)
    args = ap.parse_args()
    n = args.events

    with postgres_server() as pg, rabbitmq_vhost() as amqp, scratch_database(pg, "bench") as db_url:
        settings = settings_for("tracking", database_url=db_url, rabbitmq_url=amqp)
        tracking.migrate(settings)
        declare_all(settings, {settings.queue_name: tracking.handlers().patterns})
        engine = make_engine(db_url)
        env = dict(os.environ, PYTHONPATH=str(ROOT), TRACKING_DATABASE_URL=db_url, RABBITMQ_URL=amqp,
                   LOG_LEVEL="WARNING")

        print(f"raw pika, confirmed publishes, 100 in flight: {raw_publish_windowed(amqp, n):8.0f} msg/s")
        print(f"raw pika, confirmed publishes, one by one:   {raw_publish_one_by_one(amqp, min(n, 5000)):8.0f} msg/s")
        raw_publish_windowed(amqp, n)
        print(f"raw pika consumer, prefetch 100, manual ack: {raw_consume(amqp, n):8.0f} msg/s")

        fill_outbox(engine, settings, n)
        relay = start(env, "relay")
        try:
            secs = wait_until(lambda: scalar(engine, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0, 300)
        finally:
            relay.terminate()
            relay.wait()
        print(f"relay, {n} events from the outbox backlog:    {n / secs:8.0f} events/s ({secs:.2f} s)")

        consumer = start(env, "consumer")
        try:
            secs = wait_until(lambda: scalar(engine, "SELECT count(*) FROM events") >= n, 300)
            print(f"tracking ingest with dedupe, {n} backlog:    {n / secs:8.0f} events/s ({secs:.2f} s)")

            relay = start(env, "relay")
            time.sleep(2)  # let the relay connect
            latencies = measure_latency(engine, settings, args.rate, args.latency_seconds)
            relay.terminate()
            relay.wait()
        finally:
            consumer.terminate()
            consumer.wait()
        q = statistics.quantiles(latencies, n=100)
        print(f"commit-to-timeline latency at {args.rate:.0f} events/s, {len(latencies)} events: "
              f"p50 {q[49]*1000:.1f} ms, p99 {q[98]*1000:.1f} ms, max {max(latencies)*1000:.1f} ms")
        engine.dispose()


def produce_at_rate(db_url: str, region: str, rate: float, seconds: float) -> None:
    """Write customer events through the outbox at a steady rate (its own process)."""
    engine = make_engine(db_url, pool_size=1)
    outbox = Outbox("customer", region)
    interval = 1.0 / rate
    t_next = time.perf_counter()
    end = t_next + seconds
    i = 0
    with engine.connect() as conn:
        while time.perf_counter() < end:
            cid, data = customer_payload(i)
            with conn.begin():
                outbox.add(conn, EventContext(actor_id=cid), "customer.customer.created",
                           aggregate_type="customer", aggregate_id=cid, data=data, customer_id=cid)
            i += 1
            t_next += interval
            time.sleep(max(0.0, t_next - time.perf_counter()))
    engine.dispose()


def measure_latency(engine, settings, rate: float, seconds: float) -> list[float]:
    """Latency = when the event is first seen in tracking's store - its occurred_at (set
    just before the producer's commit). The producer runs in its own process so that the
    poller here does not slow it down."""
    import multiprocessing
    from datetime import datetime

    producer = multiprocessing.get_context("spawn").Process(
        target=produce_at_rate, args=(settings.database_url, settings.region, rate, seconds))
    latencies: list[float] = []
    with engine.connect() as conn:
        last = conn.execute(sa.text("SELECT coalesce(max(seq), 0) FROM events")).scalar_one()
        conn.commit()
        producer.start()
        quiet_since = None
        while True:
            rows = conn.execute(sa.text("SELECT seq, occurred_at FROM events WHERE seq > :s ORDER BY seq"),
                                {"s": last}).all()
            conn.commit()
            now = datetime.now().astimezone()
            for seq, occurred_at in rows:
                latencies.append((now - occurred_at).total_seconds())
                last = max(last, seq)
            if producer.is_alive() or rows:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 2:
                break
            time.sleep(0.005)
    producer.join()
    return latencies


if __name__ == "__main__":
    main()
