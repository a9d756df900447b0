"""Branch -> head office through the shovel (issue 18), on the local broker (two vhosts) and
PostgreSQL (scratch databases, dropped afterwards):

1. forwarding rate: N events (default 20,000) queued at the branch while the shovel is
   absent, then the shovel defined (deploy/regions.py: ack-mode on-confirm): events/s until
   the branch queue is empty and head office's broker holds them all (counted in a plain
   queue bound to crm.regions, no consumer: the shovel alone);
2. latency: events committed at the branch (customer outbox, one transaction each) at a
   steady RATE/s (default 200) for SECONDS (default 20), relayed by the real relay, shovelled,
   and stored by head office's real tracking consumer; commit-at-branch -> row visible in head
   office's tracking database (polled every 5 ms), p50/p95/p99.

    .venv/bin/python bench/regions.py [--events 20000] [--rate 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.config import pg_base_url  # noqa: E402
from shared.testing.regions import LINK_QUEUE, linked_regions  # noqa: E402
from shared.testing.servers import scratch_database  # noqa: E402
from shared.topology import connect  # noqa: E402

WRITERS = 4  # one transaction per event: several sessions keep the rate on a busy machine


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def forwarding_rate(regions, n: int) -> float:
    """Events/s the shovel forwards with confirms (no consumer at head office)."""
    regions.delete_shovel()
    hq = connect(regions.hq.rabbitmq_url)
    ch = hq.channel()
    probe = "bench.regions.probe"
    ch.queue_declare(probe, durable=True, arguments={"x-queue-type": "quorum"})
    ch.queue_bind(probe, regions.hq.regions_exchange, "#")
    regions.workers["consumer"].stop()  # head office's tracking keeps out of this part
    try:
        regions.commit_at_branch(n, per_transaction=500)
        deadline = time.monotonic() + 600
        while regions.link_queue_depth() < n and time.monotonic() < deadline:
            time.sleep(0.2)
        print(f"  {n} events queued at the branch ({LINK_QUEUE})", flush=True)
        regions.workers["relay"].stop()
        threading.Thread(target=regions.prepare_branch, daemon=True).start()  # defines the shovel again
        # timed from the first forwarded message on (not the seconds rabbitmqctl takes)
        first, started, count = 0, 0.0, 0
        deadline = time.monotonic() + 600
        while count < n:
            if time.monotonic() > deadline:
                raise SystemExit("the shovel did not forward everything within 10 minutes")
            count = ch.queue_declare(probe, passive=True).method.message_count
            if count and not started:
                first, started = count, time.monotonic()
            time.sleep(0.01)
        elapsed = max(time.monotonic() - started, 1e-3)
        n -= first
    finally:
        ch.queue_delete(probe)
        hq.close()
    return n / elapsed


def latency(make_db, rate: float, seconds: float) -> list[float]:
    with linked_regions(make_db, pool_size=WRITERS + 1) as regions:
        committed: dict[str, float] = {}
        seen: dict[str, float] = {}
        stop = threading.Event()

        def poll() -> None:
            last = 0
            while not stop.is_set():
                with regions.hq_engine.connect() as conn:
                    rows = conn.execute(sa.text("SELECT seq, event_id FROM events WHERE seq > :s ORDER BY seq"),
                                        {"s": last}).all()
                now = time.time()
                for seq, event_id in rows:
                    seen.setdefault(event_id, now)
                    last = max(last, seq)
                time.sleep(0.005)

        arrived: dict[str, float] = {}  # at head office's broker (a probe queue beside tracking's)

        def listen() -> None:
            conn = connect(regions.hq.rabbitmq_url)
            ch = conn.channel()
            q = ch.queue_declare("", exclusive=True).method.queue
            ch.queue_bind(q, regions.hq.regions_exchange, "#")
            ready.set()

            def got(_ch, _m, _p, body) -> None:
                arrived.setdefault(json.loads(body)["event_id"], time.time())

            ch.basic_consume(q, got, auto_ack=True)
            while not stop.is_set():
                conn.process_data_events(time_limit=0.1)
            conn.close()

        ready = threading.Event()
        threading.Thread(target=listen, daemon=True).start()
        ready.wait(10)
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        total = int(rate * seconds)
        started = time.monotonic()

        def write(k: int) -> None:  # writer k commits events k, k + WRITERS, ... on schedule
            for i in range(k, total, WRITERS):
                pause = started + i / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                regions.commit_at_branch(1, on_commit=lambda ids: committed.update({ids[0]: time.time()}))

        writers = [threading.Thread(target=write, args=(k,)) for k in range(WRITERS)]
        for w in writers:
            w.start()
        for w in writers:
            w.join()
        behind = time.monotonic() - started - seconds
        deadline = time.monotonic() + 120
        while len(seen.keys() & committed.keys()) < total and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        poller.join(timeout=5)
        lost = total - len(seen.keys() & committed.keys())
        if lost:
            raise SystemExit(f"{lost} events never reached head office")
        print(f"  {total} events committed at {rate:.0f}/s (the writer ended {behind:+.2f} s from plan)", flush=True)
        at_broker = [(arrived[e] - committed[e]) * 1000 for e in committed if e in arrived]
        print(f"  commit at branch -> at head office's broker: p50 {statistics.median(at_broker):.1f} ms, "
              f"p99 {pct(at_broker, 99):.1f} ms (n={len(at_broker)})", flush=True)
        return [(seen[e] - committed[e]) * 1000 for e in committed]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    with contextlib.ExitStack() as dbs:
        def make_db(label: str) -> str:
            return dbs.enter_context(scratch_database(pg_base_url(), f"bench_{label}"))

        print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
        with linked_regions(make_db) as regions:
            rate = forwarding_rate(regions, args.events)
        print(f"shovel, ack-mode on-confirm: {rate:,.0f} events/s forwarded branch -> head office", flush=True)
        ms = latency(make_db, args.rate, args.seconds)
        print(f"commit at branch -> visible at head office at {args.rate:.0f} events/s: "
              f"p50 {statistics.median(ms):.1f} ms, p95 {pct(ms, 95):.1f} ms, p99 {pct(ms, 99):.1f} ms, "
              f"max {max(ms):.1f} ms (n={len(ms)})", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
