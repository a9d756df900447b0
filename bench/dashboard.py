"""Bench: the dashboard with many customers and orders. Starts the whole suite, creates the
sales organisation through the API (5 managers x 10 reps), fills tracking's read models with
SQL (customers, orders with lines, invoices, payments, expenses, leads, opportunities; the
reports read only these; then the per-customer ledger from those rows, as migration
a1c8d9e0f2b3 does, where the projections would have kept it), then measures

  - each report endpoint's answer through the gateway (HTTP, warm), p50 / p95 per role
    (admin: everything; a manager: a team of 10 reps; a rep), and
  - the dashboard ready in headless Chromium: a full page load of #/dashboard (session
    refresh, modules, Chart.js, nine reports, nine charts) until performance.mark
    ("dashboard-ready"), p50 / p95 of --loads loads per role.

    .venv/bin/python bench/dashboard.py [--customers 1000000] [--orders 200000] [--runs 30] [--loads 20]

The suite's databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from services.tracking.ledger import FROM_DETAILS as LEDGER_FROM_DETAILS  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.testing.servers import postgres_server, rabbitmq_vhost  # noqa: E402
from shared.testing.suite import ApiClient, running_suite  # noqa: E402

PASSWORD = "pass-word-1"
FILL = [
    # customers: owner round-robin over the reps, created over the last two years, 1 in 17 lost
    ("rm_customers", """
INSERT INTO rm_customers (customer_id, name, owner_id, status, created_at, lost_at, industry)
SELECT md5(i::text || 'c'), '客户' || i, (CAST(:reps AS text[]))[1 + i % :nreps],
       CASE WHEN i % 17 = 0 THEN 'lost' ELSE 'active' END, now() - make_interval(mins => ((i::bigint * 7919) % 1051200)::int),
       CASE WHEN i % 17 = 0 THEN now() - make_interval(mins => ((i::bigint * 104729) % 525600)::int) END,
       (ARRAY['制造业', '批发零售', '建筑', '信息技术', '医疗', NULL])[1 + i % 6]
FROM generate_series(1, :customers) AS i"""),
    ("acl_customers", """
INSERT INTO acl_customers (customer_id, owner_id, name, status)
SELECT customer_id, owner_id, name, status FROM rm_customers"""),
    ("rm_products", """
INSERT INTO rm_products (product_id, sku, name, list_price, cost_price)
SELECT md5(p::text || 'p'), 'SKU' || p, '产品' || p, 100 + p, CASE WHEN p % 10 = 0 THEN NULL ELSE 60 + p / 2 END
FROM generate_series(1, 200) AS p"""),
    # orders on customers 1..N spread, owner = the customer's owner, over two years
    ("rm_orders", """
INSERT INTO rm_orders (order_id, number, customer_id, owner_id, status, payment_status, net, tax, gross,
                       invoiced_amount, paid_amount, created_at)
SELECT md5(o::text || 'o'), 'SO-' || o, md5(c::text || 'c'), (CAST(:reps AS text[]))[1 + c % :nreps],
       (ARRAY['confirmed','shipped','closed','partially_shipped','cancelled','pending'])[1 + o % 6],
       (ARRAY['unpaid','partially_paid','paid'])[1 + o % 3], 1000 + o % 5000, (1000 + o % 5000) * 0.13,
       (1000 + o % 5000) * 1.13, 0, 0, now() - make_interval(mins => ((o::bigint * 7907) % 1051200)::int)
FROM (SELECT o, 1 + (o::bigint * 4999) % :customers AS c FROM generate_series(1, :orders) AS o) s"""),
    ("rm_order_lines", """
INSERT INTO rm_order_lines (order_id, line_no, product_id, quantity, net, gross)
SELECT md5(o::text || 'o'), l, md5((1 + (o::bigint * 31 + l * 17) % 200)::text || 'p'), 1 + (o + l) % 9,
       (1000 + o % 5000) / 2, (1000 + o % 5000) * 1.13 / 2
FROM generate_series(1, :orders) AS o, generate_series(0, 1) AS l"""),
    ("rm_order_balances", """
INSERT INTO rm_order_balances (order_id, customer_id, invoiced_amount, paid_amount)
SELECT order_id, customer_id, gross, CASE WHEN payment_status = 'paid' THEN gross
       WHEN payment_status = 'partially_paid' THEN round(gross / 2, 2) ELSE 0 END
FROM rm_orders WHERE payment_status <> 'unpaid' OR created_at < now() - interval '30 days'"""),
    ("rm_invoices", """
INSERT INTO rm_invoices (invoice_id, order_id, customer_id, amount, status, issued_at)
SELECT md5(order_id || 'i'), order_id, customer_id, gross, CASE WHEN right(order_id, 1) = 'f' THEN 'void' ELSE 'issued' END,
       created_at + interval '2 days'
FROM rm_orders WHERE status IN ('confirmed', 'shipped', 'closed', 'partially_shipped')"""),
    ("rm_payments", """
INSERT INTO rm_payments (payment_id, customer_id, order_id, amount_cny, received_at)
SELECT md5(order_id || 'y'), customer_id, order_id, paid_amount, now() - interval '1 day'
FROM rm_order_balances WHERE paid_amount > 0"""),
    ("rm_expenses", """
INSERT INTO rm_expenses (expense_id, submitter_id, customer_id, order_id, amount, status, submitted_at)
SELECT md5(e::text || 'e'), (CAST(:reps AS text[]))[1 + c % :nreps], md5(c::text || 'c'), NULL, 50 + e % 900,
       (ARRAY['submitted','approved','paid','rejected'])[1 + e % 4], now() - make_interval(mins => ((e::bigint * 7901) % 525600)::int)
FROM (SELECT e, 1 + (e::bigint * 7001) % :customers AS c FROM generate_series(1, :expenses) AS e) s"""),
    ("rm_leads", """
INSERT INTO rm_leads (lead_id, owner_id, status, created_at, converted_at)
SELECT md5(l::text || 'l'), (CAST(:reps AS text[]))[1 + l % :nreps], CASE WHEN l % 4 = 0 THEN 'converted' ELSE 'new' END,
       now() - make_interval(mins => ((l::bigint * 7883) % 525600)::int), NULL
FROM generate_series(1, :leads) AS l"""),
    ("rm_opportunities", """
INSERT INTO rm_opportunities (opportunity_id, customer_id, owner_id, stage, amount, created_at)
SELECT md5(p::text || 'y'), md5(c::text || 'c'), (CAST(:reps AS text[]))[1 + c % :nreps],
       (ARRAY['prospecting','qualification','proposal','negotiation','won','lost'])[1 + p % 6], 10000 + p % 90000,
       now() - make_interval(mins => ((p::bigint * 7877) % 525600)::int)
FROM (SELECT p, 1 + (p::bigint * 3001) % :customers AS c FROM generate_series(1, :opportunities) AS p) s"""),
    # what the projections keep beside the rows above (services/tracking/ledger.py)
    ("rm_customer_ledger", LEDGER_FROM_DETAILS),
]
REPORTS = [
    ("/reports/sales-by-month", {}),
    ("/reports/funnel", {"from": "{from}", "to": "{to}"}),
    ("/reports/sales-performance", {"from": "{from}", "to": "{to}", "per_page": 20}),
    ("/reports/product-sales", {"from": "{from}", "to": "{to}", "per_page": 10}),
    ("/reports/sales-by-industry", {"from": "{from}", "to": "{to}", "per_page": 10}),
    ("/reports/receivables-ageing", {"per_page": 20}),
    ("/reports/customer-trend", {"granularity": "month", "from": "{from}", "to": "{to}"}),
    ("/reports/expenses", {"group": "submitter", "from": "{from}", "to": "{to}", "per_page": 20}),
    ("/reports/expenses", {"group": "customer", "from": "{from}", "to": "{to}", "per_page": 10}),
    ("/reports/profit", {"from": "{from}", "to": "{to}", "per_page": 10}),
]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def create_user(admin: ApiClient, role: str, username: str, full_name: str, manager_id: str | None = None) -> dict:
    """A user through the API; a busy database (503 on a shared machine) is tried again."""
    body = {"username": username, "password": PASSWORD, "full_name": full_name, "role": role}
    if manager_id:
        body["manager_id"] = manager_id
    for _ in range(30):
        r = admin.post("/users", json=body)
        if r.status_code in (201, 409):
            break
        time.sleep(2)
    client = ApiClient.login(admin.base[: -len("/api/v1")], username, PASSWORD)
    return {"client": client, **client.get("/auth/me").json()}


def organisation(admin: ApiClient) -> tuple[dict, list[dict], list[dict]]:
    managers, reps = [], []
    for m in range(5):
        managers.append(create_user(admin, "manager", f"bench_mgr{m}", f"经理{m}"))
        for r in range(10):
            reps.append(create_user(admin, "sales", f"bench_rep{m}_{r}", f"业务员{m}-{r}", managers[-1]["id"]))
    return {"client": admin}, managers, reps


def fill(engine, reps: list[dict], args) -> dict[str, float]:
    params = {"reps": [r["id"] for r in reps], "nreps": len(reps), "customers": args.customers,
              "orders": args.orders, "expenses": args.orders // 4, "leads": args.orders // 4,
              "opportunities": args.orders // 2}
    took = {}
    for table, sql in FILL:
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(sa.text(sql), params)
        took[table] = time.perf_counter() - started
        print(f"  {table}: {took[table]:.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    with engine.connect() as conn:
        sizes = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t, _ in FILL}
    print("  rows:", sizes, flush=True)
    return sizes


def wait_users(engine, n: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(sa.text("SELECT count(*) FROM acl_users")).scalar_one() >= n:
                return
        time.sleep(0.5)
    raise SystemExit("the users never reached tracking")


def api_figures(people: dict[str, ApiClient], runs: int, period: dict[str, str]) -> list[tuple]:
    rows = []
    for path, query in REPORTS:
        q = {k: (v.format(**period) if isinstance(v, str) else v) for k, v in query.items()}
        for role, client in people.items():
            times, failed = [], 0
            with contextlib.suppress(OSError):
                client.get(path, params=q)  # warm
            for _ in range(runs):
                started = time.perf_counter()
                try:
                    r = client.get(path, params=q)
                except OSError:  # requests' timeouts are OSErrors: over 30 s, counted, not timed
                    failed += 1
                    continue
                if r.status_code != 200:  # a busy shared database (503): counted, not timed
                    failed += 1
                    continue
                times.append((time.perf_counter() - started) * 1000)
            label = path + (f"?group={q['group']}" if "group" in q else "")
            if not times:
                print(f"  {label:38s} {role:8s} every call failed or took over 30 s", flush=True)
                continue
            rows.append((label, role, statistics.median(times), pct(times, 95), failed))
            print(f"  {label:38s} {role:8s} p50 {rows[-1][2]:7.1f} ms  p95 {rows[-1][3]:7.1f} ms"
                  f"{f'  ({failed} refused or over 30 s)' if failed else ''}", flush=True)
    return rows


BREAKDOWN = """
const res = performance.getEntriesByType("resource");
const reports = res.filter((r) => r.name.includes("/api/v1/reports/"));
const chart = res.find((r) => r.name.includes("chart.umd"));
const refresh = res.find((r) => r.name.includes("/auth/refresh"));
return {session: refresh ? refresh.responseEnd : null,
        first_report: Math.min(...reports.map((r) => r.startTime)),
        last_report: Math.max(...reports.map((r) => r.responseEnd)),
        slowest_report: Math.max(...reports.map((r) => r.responseEnd - r.startTime)),
        chart_js: chart ? chart.responseEnd : null};
"""


def browser_figures(url: str, username: str, password: str, loads: int) -> list[float]:
    """Ready times (ms from navigation start) of full loads; prints where the time goes (p50)."""
    from tests.e2e.portal_browser import By, chromium, log_in, wait

    out, parts = [], []
    with tempfile.TemporaryDirectory() as profile, chromium(Path(profile)) as driver:
        log_in(driver, url, username, password, route="#/dashboard")
        ready = "return (performance.getEntriesByName('dashboard-ready')[0] || {}).startTime || null"
        wait(driver, lambda d: d.execute_script(ready), 60)
        for _ in range(loads):
            driver.get("about:blank")
            driver.get(f"{url}/#/dashboard")
            value = wait(driver, lambda d: d.execute_script(ready), 60)
            assert driver.find_element(By.CSS_SELECTOR, "section.dashboard").get_attribute("data-ready") == "true"
            out.append(float(value))
            parts.append(driver.execute_script(BREAKDOWN))
    for key in ("session", "first_report", "last_report", "slowest_report", "chart_js"):
        values = [p[key] for p in parts if p.get(key) is not None]
        if values:
            print(f"    {key}: p50 {statistics.median(values):.0f} ms", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--loads", type=int, default=20)
    args = ap.parse_args()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    period = {"from": f"{today[:4]}-01-01", "to": today}
    with postgres_server() as pg, rabbitmq_vhost() as amqp, running_suite(pg, amqp, label="benchdash") as suite:
        admin = ApiClient.login(suite.url, "admin", suite.admin_password)
        _, managers, reps = organisation(admin)
        engine = make_engine(suite.databases["tracking"], pool_size=1)
        wait_users(engine, 1 + len(managers) + len(reps))
        print(f"filling tracking: {args.customers:,} customers, {args.orders:,} orders", flush=True)
        started = time.perf_counter()
        fill(engine, reps, args)
        print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)
        engine.dispose()
        people = {"admin": admin, "manager": managers[0]["client"], "rep": reps[0]["client"]}
        print(f"report endpoints through the gateway (ms); load average {load_average()}",
              flush=True)
        api_figures(people, args.runs, period)
        print(f"load average {load_average()}", flush=True)
        for role, username, password in (("manager", "bench_mgr0", PASSWORD), ("rep", "bench_rep0_0", PASSWORD),
                                         ("admin", "admin", suite.admin_password)):
            try:
                times = browser_figures(suite.url, username, password, args.loads)
            except Exception as exc:  # a timeout on an overloaded machine: say so, go on
                print(f"dashboard in the browser ({role}): failed: {exc!r}"[:300], flush=True)
                continue
            print(f"dashboard ready in the browser ({role}, {len(times)} loads): p50 {statistics.median(times):.0f} ms"
                  f"  p95 {pct(times, 95):.0f} ms  max {max(times):.0f} ms", flush=True)


if __name__ == "__main__":
    main()
