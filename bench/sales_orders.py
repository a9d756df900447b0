"""Orders created per second (issue 6), in one run on this machine, loopback only:

- bare:    a bare Flask + gunicorn endpoint doing one INSERT into PostgreSQL;
- sales:   POST /orders on the sales service directly (signed identity header);
- gateway: POST /api/v1/orders through the gateway (bearer token);

all under gunicorn gthread with the same workers x threads, with the whole suite running
(every API, consumer and relay), so the sales figures include the saga's background work.
Then the time from order creation to `confirmed` (the reservation saga through
inventory) at a steady rate, p50/p99, from the sales database's own timestamps.

    .venv/bin/python bench/sales_orders.py [--seconds 5] [--pairs 2] [--connections 8] [--rate 10]

Everything is bounded (at most 60 s a run, 10 pairs, 100 orders/s, 60 s of steady load)
and removed afterwards (scratch databases and vhost).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gateway_overhead import gunicorn, wait_http  # noqa: E402
from bench.sales_bare_app import create_table  # noqa: E402
from shared.config import pg_base_url  # noqa: E402
from shared.identity import IDENTITY_HEADER, Principal, sign_identity  # noqa: E402
from shared.testing.servers import rabbitmq_vhost, scratch_database  # noqa: E402
from shared.testing.suite import ApiClient, free_port, running_suite  # noqa: E402

CLIENT_PROCESSES = 2


def _client_process(port: int, path: str, headers: dict[str, str], body: bytes, connections: int,
                    seconds: float, queue) -> None:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while (t0 := time.perf_counter()) < deadline:
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 201:
                    bad += 1
                    continue
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((latencies, errors[0]))


def measure(target: tuple[int, str, dict[str, str]], body: bytes, connections: int, seconds: float) -> dict:
    port, path, headers = target
    queue = multiprocessing.Queue()
    per = max(1, connections // CLIENT_PROCESSES)
    procs = [multiprocessing.Process(target=_client_process, args=(port, path, headers, body, per, seconds, queue))
             for _ in range(CLIENT_PROCESSES)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    elapsed = time.perf_counter() - started
    lat = sorted(x for r, _ in results for x in r)
    errors = sum(e for _, e in results)
    if not lat:
        raise SystemExit(f"no order was created on {path} (errors: {errors})")
    return {"rps": len(lat) / elapsed, "n": len(lat), "errors": errors, "p50_ms": statistics.median(lat) * 1000,
            "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000}


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise SystemExit(f"timed out waiting for {what}")


def setup_world(admin: ApiClient) -> tuple[ApiClient, str, str]:
    """A rep with a customer, a product with plenty of stock; waits until sales knows both."""
    rep = admin.create_user("sales")
    tag = uuid.uuid4().hex[:8]
    product = admin.post("/products", json={"sku": f"BENCH-{tag}", "name": "压测产品", "unit": "台",
                                            "list_price": "100.00"}).json()["id"]
    wh = admin.post("/warehouses", json={"code": f"B{tag}", "name": "压测仓"}).json()["id"]
    r = admin.post("/stock/receipts", json={"warehouse_id": wh, "lines": [{"product_id": product,
                                                                             "quantity": 10_000_000}]})
    assert r.status_code == 201, r.text
    customer = rep.post("/customers", json={"name": f"压测客户 {tag}"}).json()["id"]

    def ready():
        r = rep.post("/orders", json={"customer_id": customer, "lines": [{"product_id": product, "quantity": 1}]})
        return r.status_code == 201

    wait_until(ready, 60, "sales to know the customer and product")
    return rep, customer, product


def drained(engine) -> bool:
    import sqlalchemy as sa

    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM orders WHERE status = 'pending'")).scalar() == 0


def steady_latency(rep: ApiClient, body: dict, rate: float, seconds: float, engine) -> dict:
    """Orders through the gateway at a steady rate; creation -> confirmed from the sales
    database (created_at is set when the order is written, updated_at when it is confirmed)."""
    import sqlalchemy as sa

    ids: list[str] = []
    n, start = int(rate * seconds), time.perf_counter()
    slots = iter(range(n))
    lock = threading.Lock()

    def sender() -> None:  # several senders keep the schedule although a request takes a while
        client = ApiClient(rep.base.removesuffix("/api/v1"), rep.token, rep.user)
        while True:
            with lock:
                i = next(slots, None)
            if i is None:
                return
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            r = client.post("/orders", json=body)
            if r.status_code == 201:
                with lock:
                    ids.append(r.json()["id"])

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start

    def all_settled():
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT status, extract(epoch FROM updated_at - created_at) FROM orders "
                                        "WHERE id = ANY(:ids)"), {"ids": ids}).all()
        return rows if all(s != "pending" for s, _ in rows) else None

    rows = wait_until(all_settled, 120, "the steady-rate orders to settle")
    lat = sorted(float(d) for s, d in rows if s == "confirmed")
    return {"sent": n, "created": len(ids), "confirmed": len(lat), "achieved_rate": len(ids) / elapsed,
            "p50_ms": statistics.median(lat) * 1000 if lat else float("nan"),
            "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan"),
            "max_ms": lat[-1] * 1000 if lat else float("nan")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each throughput run (max 60)")
    parser.add_argument("--pairs", type=int, default=2, help="rounds of bare/sales/gateway (max 10)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for each API")
    parser.add_argument("--rate", type=float, default=10.0, help="orders/s for the latency run (max 100)")
    parser.add_argument("--steady-seconds", type=float, default=10.0, help="length of the latency run (max 60)")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 1.0), 60.0)
    rate = min(max(args.rate, 1.0), 100.0)
    steady = min(max(args.steady_seconds, 1.0), 60.0)
    from shared.db import make_engine

    logdir = ROOT / "var" / "log" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    with rabbitmq_vhost() as amqp, running_suite(pg_base_url(), amqp, label="bench", web_workers=args.workers) as suite, \
            scratch_database(pg_base_url(), "bench_bare") as bare_db:
        admin = ApiClient.login(suite.url, "admin", suite.admin_password)
        rep, customer, product = setup_world(admin)
        body = {"customer_id": customer, "lines": [{"product_id": product, "quantity": 1, "tax_rate": "13"}]}
        raw = json.dumps(body).encode()
        env = {**suite.env(), "BARE_DATABASE_URL": bare_db, "GUNICORN_THREADS": "4"}
        create_table(bare_db)
        bare_port = free_port()
        identity = sign_identity(Principal(rep.user["id"], "sales", rep.user["username"], ""),
                                 suite.env()["CRM_INTERNAL_SECRET"], ttl=3600)
        json_ct = {"Content-Type": "application/json"}
        targets = {
            "bare": (bare_port, "/orders", json_ct),
            "sales": (suite.ports["sales"], "/orders", {**json_ct, IDENTITY_HEADER: identity}),
            "gateway": (suite.ports["gateway"], "/api/v1/orders", {**json_ct, "Authorization": f"Bearer {rep.token}"}),
        }
        sales_engine = make_engine(suite.databases["sales"].replace("postgresql://", "postgresql+psycopg://"))
        with gunicorn("bench.sales_bare_app:create_app()", bare_port, env, args.workers, 4, logdir / "bare.log"):
            wait_http(bare_port, "/healthz")
            for target in targets.values():  # warm-up
                measure(target, raw, args.connections, 1.0)
            runs: dict[str, list[dict]] = {k: [] for k in targets}
            for pair in range(min(max(args.pairs, 1), 10)):
                for name, target in targets.items():
                    if name != "bare":  # let the saga catch up, so each run starts alike
                        wait_until(lambda: drained(sales_engine), 300, "the order backlog to settle")
                    if name == "gateway":  # a fresh access token (they live 15 minutes) for each run
                        assert rep.refresh(), "the rep's session ended"
                        target = (suite.ports["gateway"], "/api/v1/orders",
                                  {**json_ct, "Authorization": f"Bearer {rep.token}"})
                    result = measure(target, raw, args.connections, seconds)
                    runs[name].append(result)
                    print(f"round {pair + 1} {name:8s} {result['rps']:7.1f} orders/s  p50 {result['p50_ms']:6.1f} ms"
                          f"  p99 {result['p99_ms']:7.1f} ms  ({result['n']} orders, {result['errors']} errors)",
                          flush=True)
        wait_until(lambda: drained(sales_engine), 300, "the order backlog to settle")
        assert rep.refresh(), "the rep's session ended"  # the senders share this access token
        latency = steady_latency(rep, body, rate, steady, sales_engine)
        sales_engine.dispose()
    med = {k: statistics.median(r["rps"] for r in v) for k, v in runs.items()}
    load = os.getloadavg()
    print(f"\nPOST /orders (1 line), {args.connections} connections, gunicorn gthread {args.workers}x4 each, "
          f"{os.cpu_count()} cores shared by the client, the suite and the database; load {load[0]:.1f}")
    for name in targets:
        print(f"{name:8s}: {med[name]:7.1f} orders/s (median of {len(runs[name])})")
    print(f"sales/bare   : {med['sales'] / med['bare']:.2f}")
    print(f"gateway/bare : {med['gateway'] / med['bare']:.2f}  (aim >= 0.5)")
    print(f"creation -> confirmed at {rate:.0f} orders/s for {steady:.0f} s through the gateway: "
          f"p50 {latency['p50_ms']:.0f} ms, p99 {latency['p99_ms']:.0f} ms, max {latency['max_ms']:.0f} ms "
          f"({latency['confirmed']} of {latency['created']} confirmed, achieved {latency['achieved_rate']:.1f}/s)")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
