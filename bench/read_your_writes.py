"""Read-your-writes through the gateway (issue 12.1), with its baseline in the same run.

    .venv/bin/python bench/read_your_writes.py [--rounds 1000] [--baseline-rounds 300] [--workers 2]

Starts the whole suite (every API under gunicorn, consumers, relays, gateway) on scratch
databases and a scratch vhost, then, as a rep and a finance user through the gateway:

- rounds: create a customer and, in the very next calls, a quote, an order, an
  opportunity for it, an invoice for that order and a payment for the customer; every call
  must answer 201 (each depends on a copy that arrives by events: sales' and billing's
  customer copy, billing's order copy);
- baseline: the same dependent calls for a customer and an order created long before;
- an id that never exists: 422 within the bound (CRM_COPY_WAIT_S, 3 s).

Prints failures (must be 0) and the latency p50/p99/max of each dependent call in both
cases: the difference is what waiting for the copy costs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.config import pg_base_url  # noqa: E402
from shared.testing import read_your_writes as ryw  # noqa: E402
from shared.testing.servers import rabbitmq_vhost  # noqa: E402
from shared.testing.suite import ApiClient, running_suite  # noqa: E402


def table(fresh: ryw.Results, base: ryw.Results) -> str:
    lines = [f"{'call':<12} {'new customer p50/p99/max ms':>30} {'baseline p50/p99/max ms':>28}"]
    for step in ryw.STEPS:
        f, b = fresh.figures(step), base.figures(step)
        base_text = "-" if not b["n"] else f"{b['p50_ms']:7.1f} {b['p99_ms']:7.1f} {b['max_ms']:7.1f}"
        lines.append(f"{step:<12} {f['p50_ms']:9.1f} {f['p99_ms']:9.1f} {f['max_ms']:9.1f}   {base_text:>26}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--baseline-rounds", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per API")
    args = parser.parse_args()
    with rabbitmq_vhost() as amqp, running_suite(pg_base_url(), amqp, label="benchryw",
                                                 web_workers=args.workers) as suite:
        admin = ApiClient.login(suite.url, "admin", suite.admin_password)
        actors = ryw.prepare(admin)
        started = time.monotonic()
        fresh = ryw.run(actors, args.rounds)
        fresh_s = time.monotonic() - started
        base = ryw.baseline(actors, args.baseline_rounds)
        bound = float(os.environ.get("CRM_COPY_WAIT_S", "3"))
        t0 = time.monotonic()
        never = actors.finance.post("/invoices", json={"order_id": str(uuid.uuid4()), "amount": "1.00"})
        never_s = time.monotonic() - t0
    calls = fresh.rounds * len(ryw.STEPS)
    print(f"read-your-writes: {fresh.rounds} rounds ({calls} calls, {len(ryw.DEPENDENT)} dependent per round) "
          f"in {fresh_s:.1f} s; failures: {len(fresh.failures)}")
    for failure in fresh.failures[:10]:
        print("  ", failure)
    print(f"baseline: {base.rounds} rounds on a customer and an order created long before; "
          f"failures: {len(base.failures)}")
    print(table(fresh, base))
    print(f"an order id that never exists: {never.status_code} after {never_s:.2f} s (bound {bound:.1f} s)")
    ok = not fresh.failures and not base.failures and never.status_code == 422 and never_s < bound + 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
