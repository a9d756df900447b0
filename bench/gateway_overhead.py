"""The gateway's overhead (issue 3): requests/s to one cheap authenticated endpoint of a
service (tracking's GET /notifications), called through the gateway with a bearer token
versus called directly on the service with a signed identity header, in one run, both
under gunicorn (gthread) on this machine, loopback only.

    .venv/bin/python bench/gateway_overhead.py [--seconds 8] [--connections 8] [--workers 2]

Starts the tracking API and the gateway under gunicorn on scratch databases (removed
after), warms both up, then measures direct, gateway, direct, gateway (the load
generator uses keep-alive http.client connections in 2 processes) and prints requests/s,
latency p50/p99 and the ratio gateway/direct (aim: >= 0.6).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.config import pg_base_url  # noqa: E402
from shared.identity import IDENTITY_HEADER, Principal, sign_identity  # noqa: E402
from shared.secrets import new_secret  # noqa: E402
from shared.testing.servers import scratch_database  # noqa: E402

SECRET = new_secret()  # random per run: no public secret is accepted
JWT_KEYS = f"b1:{new_secret()}"
ADMIN_PASSWORD = "bench-admin-pass"
CLIENT_PROCESSES = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"nothing answered on port {port} within {timeout}s")


TICKS = os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    """user+system CPU seconds of every live process in a process group (gunicorn master
    and workers; workers live for the whole run, so differences are exact)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ... utime(11) stime(12)
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


@contextlib.contextmanager
def gunicorn(app: str, port: int, env: dict[str, str], workers: int, threads: int, log: Path) -> Iterator[int]:
    cmd = [str(Path(sys.executable).parent / "gunicorn"), "-k", "gthread", "-w", str(workers), "--threads",
           str(threads), "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning", app]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _client_process(port: int, path: str, headers: dict[str, str], connections: int, seconds: float,
                    queue: multiprocessing.Queue) -> None:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        bad = 0
        while True:
            t0 = time.perf_counter()
            if t0 >= deadline:
                break
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
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


def measure(port: int, path: str, headers: dict[str, str], connections: int, seconds: float) -> dict[str, float]:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    per_process = max(1, connections // CLIENT_PROCESSES)
    procs = [multiprocessing.Process(target=_client_process, args=(port, path, headers, per_process, seconds, queue))
             for _ in range(CLIENT_PROCESSES)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    elapsed = time.perf_counter() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    if not latencies:
        raise SystemExit(f"no successful request to {path} (errors: {errors})")
    return {"rps": len(latencies) / elapsed, "requests": len(latencies), "errors": errors,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000}


def login(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/v1/auth/login", body=json.dumps({"username": "admin", "password": ADMIN_PASSWORD}),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    if response.status != 200:
        raise SystemExit(f"login failed: {body}")
    return body["access_token"]


def me(port: int, token: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    return json.loads(conn.getresponse().read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measured run (max 60)")
    parser.add_argument("--pairs", type=int, default=3, help="alternating direct/gateway pairs (max 10)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for each server")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 1.0), 60.0)
    from gateway.bootstrap import root as gateway_root
    from services.tracking.bootstrap import root as tracking_root

    logdir = ROOT / "var" / "log" / "bench"
    logdir.mkdir(parents=True, exist_ok=True)
    with scratch_database(pg_base_url(), "bench_gw") as gw_db, scratch_database(pg_base_url(), "bench_tr") as tr_db:
        gateway_root.migrate(gateway_root.settings(database_url=gw_db))
        tracking_root.migrate(tracking_root.settings(database_url=tr_db))
        ports = {"gateway": free_port(), "tracking": free_port()}
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CRM_INTERNAL_SECRET": SECRET, "CRM_JWT_KEYS": JWT_KEYS, "LOG_LEVEL": "WARNING",
               "GATEWAY_DATABASE_URL": gw_db, "TRACKING_DATABASE_URL": tr_db,
               "TRACKING_URL": f"http://127.0.0.1:{ports['tracking']}",
               "CRM_ADMIN_USERNAME": "admin", "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
               # one user at thousands of requests a second: the per-user limit (1,200 a minute) off
               "CRM_USER_RATE_LIMIT": "0"}
        with gunicorn("services.tracking.bootstrap:create_app()", ports["tracking"], env, args.workers,
                      args.threads, logdir / "tracking.log") as tracking_pgid, \
             gunicorn("gateway.bootstrap:create_app()", ports["gateway"], env, args.workers, args.threads,
                      logdir / "gateway.log") as gateway_pgid:
            wait_http(ports["tracking"], "/healthz")
            wait_http(ports["gateway"], "/healthz")
            token = login(ports["gateway"])
            user = me(ports["gateway"], token)
            identity = sign_identity(Principal(user["id"], user["role"], user["username"], user["region"] or ""),
                                     SECRET, ttl=3600)
            targets = {
                "direct": (ports["tracking"], "/notifications", {IDENTITY_HEADER: identity}),
                "gateway": (ports["gateway"], "/api/v1/notifications", {"Authorization": f"Bearer {token}"}),
            }
            for port, path, headers in targets.values():  # warm-up: connections, pools, imports
                measure(port, path, headers, args.connections, 1.5)
            runs: dict[str, list[dict[str, float]]] = {"direct": [], "gateway": []}
            ratios = []
            for pair in range(min(max(args.pairs, 1), 10)):
                for name in ("direct", "gateway"):
                    if name == "gateway":  # a fresh access token (they live 15 minutes) for each run
                        targets["gateway"] = (ports["gateway"], "/api/v1/notifications",
                                              {"Authorization": f"Bearer {login(ports['gateway'])}"})
                    cpu0 = group_cpu_seconds(tracking_pgid), group_cpu_seconds(gateway_pgid)
                    result = measure(*targets[name], args.connections, seconds)
                    cpu1 = group_cpu_seconds(tracking_pgid), group_cpu_seconds(gateway_pgid)
                    result["service_cpu_ms"] = (cpu1[0] - cpu0[0]) * 1000 / result["requests"]
                    result["gateway_cpu_ms"] = (cpu1[1] - cpu0[1]) * 1000 / result["requests"]
                    runs[name].append(result)
                    print(f"pair {pair + 1} {name:8s} {result['rps']:8.0f} req/s  p50 {result['p50_ms']:6.1f} ms  "
                          f"p99 {result['p99_ms']:6.1f} ms  ({result['requests']} requests, "
                          f"{result['errors']} errors)  CPU/request: service {result['service_cpu_ms']:.2f} ms, "
                          f"gateway {result['gateway_cpu_ms']:.2f} ms", flush=True)
                ratios.append(runs["gateway"][-1]["rps"] / runs["direct"][-1]["rps"])
    direct = statistics.median(r["rps"] for r in runs["direct"])
    through = statistics.median(r["rps"] for r in runs["gateway"])
    load = os.getloadavg()
    print(f"\nGET /notifications, {args.connections} connections, gunicorn gthread "
          f"{args.workers}x{args.threads} each, {os.cpu_count()} cores shared by client and servers; "
          f"load average {load[0]:.1f} (other work on the machine makes the figures noisy)")
    print(f"direct to the service : {direct:8.0f} req/s (median of {len(runs['direct'])})")
    print(f"through the gateway   : {through:8.0f} req/s (median of {len(runs['gateway'])})")
    print(f"ratio gateway/direct  : {statistics.median(ratios):8.2f}  median of per-pair ratios "
          f"{', '.join(f'{r:.2f}' for r in ratios)} (aim >= 0.60)")
    direct_cpu = statistics.median(r["service_cpu_ms"] for r in runs["direct"])
    via_service = statistics.median(r["service_cpu_ms"] for r in runs["gateway"])
    via_gateway = statistics.median(r["gateway_cpu_ms"] for r in runs["gateway"])
    print(f"CPU per request       : direct {direct_cpu:.2f} ms; through the gateway {via_service:.2f} ms in the "
          f"service + {via_gateway:.2f} ms in the gateway")
    print(f"capacity ratio (CPU)  : {direct_cpu / (via_service + via_gateway):8.2f}  requests/s the same CPU "
          f"serves through the gateway vs direct; insensitive to other load on the machine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
