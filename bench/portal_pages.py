"""Bench: the portal in headless Chromium with 1,000,000 customers (and as many contacts):
the customer list's first page and the customer page, ready in the browser (p50/p95 of 20
loads: a full reload, and an in-app navigation), against the baseline of the same API call
made directly through the gateway in the same run; JavaScript and CSS transferred for the first
screen (gzip); the largest page of rows any request asked for.

    .venv/bin/python bench/portal_pages.py [--customers 1000000] [--runs 20]

"Ready" is the moment the page has drawn its rows (the portal marks `crm:list-ready:<list>`
and `crm:record-ready:customer` with performance.mark after the frame), measured from the
navigation's start (reload) or from the click (in-app).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.customer_search import populate  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.testing.servers import postgres_server, rabbitmq_vhost  # noqa: E402
from shared.testing.suite import ApiClient, running_suite  # noqa: E402
from tests.e2e.portal_browser import By, chromium, log_in, wait  # noqa: E402

PASSWORD = "pass-word-1"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def line(name: str, values: list[float]) -> str:
    return f"{name:<46} p50 {statistics.median(values):7.1f} ms   p95 {pct(values, .95):7.1f} ms   (n={len(values)})"


def mark_time(driver, name: str, since: str | None = None, timeout: float = 30) -> float:
    def found(d):
        return d.execute_script("return performance.getEntriesByName(arguments[0]).length", name) > 0
    wait(driver, found, timeout)
    return driver.execute_script(
        "const m = performance.getEntriesByName(arguments[0])[0].startTime;"
        "const s = arguments[1] ? performance.getEntriesByName(arguments[1])[0].startTime : 0; return m - s;",
        name, since)


BREAKDOWN: dict[str, list[dict[str, float]]] = {}


def reload_to(driver, url: str, mark: str) -> float:
    driver.get("about:blank")
    driver.get(url)
    ready = mark_time(driver, mark)
    # where the time went: when the HTML arrived, when the entry module ran, and each API call
    # (start and end, from the navigation's start)
    steps = driver.execute_script("""
      const nav = performance.getEntriesByType('navigation')[0];
      const out = {html: nav.responseEnd, dom_interactive: nav.domInteractive};
      for (const r of performance.getEntriesByType('resource')) {
        const m = r.name.match(/\\/api\\/v1\\/([a-z-]+(?:\\/[a-z-]+)?)/);
        if (m && !(m[1] + '_start' in out)) { out[m[1] + '_start'] = r.startTime; out[m[1] + '_end'] = r.responseEnd; }
      }
      return out;""")
    BREAKDOWN.setdefault(mark, []).append({**steps, "ready": ready})
    return ready


def breakdown_lines(mark: str) -> list[str]:
    runs = BREAKDOWN.get(mark, [])
    keys = sorted({k for r in runs for k in r}, key=lambda k: statistics.median([r[k] for r in runs if k in r]))
    return [f"    {k:<40} p50 {statistics.median([r[k] for r in runs if k in r]):7.1f} ms from navigation start"
            for k in keys]


def in_app(driver, route: str, mark: str) -> float:
    driver.execute_script("performance.clearMarks(); performance.mark('crm:click'); location.hash = arguments[0];", route)
    return mark_time(driver, mark, "crm:click")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with postgres_server() as pg, rabbitmq_vhost() as amqp, running_suite(pg, amqp, label="benchportal") as suite:
        admin = ApiClient.login(suite.url, "admin", suite.admin_password)
        rep = admin.create_user("sales", full_name="基准业务员")
        other = admin.create_user("sales", full_name="另一位业务员")
        probe = rep.post("/customers", json={"name": "基准探针客户"}).json()
        engine = make_engine(suite.databases["customer"], pool_size=1)
        deadline = time.time() + 30
        while time.time() < deadline:  # the user copies reach the customer service by events
            with engine.connect() as conn:
                n = conn.exec_driver_sql("SELECT count(*) FROM acl_users WHERE id IN (%s, %s)",
                                         (rep.user["id"], other.user["id"])).scalar()
            if n == 2:
                break
            time.sleep(0.2)
        started = time.perf_counter()
        populate(engine, args.customers, [rep.user["id"], other.user["id"]])
        engine.dispose()
        print(f"seeded {args.customers:,} customers and contacts in {time.perf_counter() - started:.0f} s "
              "(half owned by the measured rep)")

        api = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            r = rep.get("/customers", params={"page": 1, "per_page": 50})
            api.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200 and len(r.json()["items"]) == 50
        api_record = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            assert rep.get(f"/customers/{probe['id']}").status_code == 200
            api_record.append((time.perf_counter() - t0) * 1000)

        with chromium(Path(tempfile.mkdtemp())) as driver:
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
            log_in(driver, suite.url, rep.user["username"], PASSWORD, route="#/customers")
            mark_time(driver, "crm:list-ready:customers")
            resources = driver.execute_script(
                "return performance.getEntriesByType('resource').map(r => [r.name, r.initiatorType, r.transferSize, r.decodedBodySize])")
            code = [r for r in resources if "/portal/" in r[0]]
            transferred = sum(r[2] for r in code)
            decoded = sum(r[3] for r in code)
            driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
            reload_list = [reload_to(driver, f"{suite.url}/#/customers", "crm:list-ready:customers") for _ in range(args.runs)]
            reload_record = [reload_to(driver, f"{suite.url}/#/customers/{probe['id']}", "crm:record-ready:customer")
                             for _ in range(args.runs)]
            nav_list, nav_record = [], []
            for i in range(args.runs):
                nav_list.append(in_app(driver, f"/customers?n={i}", "crm:list-ready:customers"))
                nav_record.append(in_app(driver, f"/customers/{probe['id']}?n={i}", "crm:record-ready:customer"))
            rows = driver.execute_script(
                "return performance.getEntriesByType('resource').map(r => r.name).filter(n => n.includes('/api/v1/'))")
            shown = len(driver.find_elements(By.CSS_SELECTOR, "main"))
        biggest = max((int(parse_qs(urlparse(u).query).get("per_page", ["0"])[0]) for u in rows), default=0)
        print(line("baseline: API GET /customers page 1 (50 rows)", api))
        print(line("portal: customer list, full reload", reload_list))
        print("\n".join(breakdown_lines("crm:list-ready:customers")))
        print(line("portal: customer list, in-app navigation", nav_list))
        print(line("baseline: API GET /customers/{id}", api_record))
        print(line("portal: customer page, full reload", reload_record))
        print("\n".join(breakdown_lines("crm:record-ready:customer")))
        print(line("portal: customer page, in-app navigation", nav_record))
        print(f"first screen JavaScript + CSS: {transferred / 1024:.1f} KB transferred (gzip), "
              f"{decoded / 1024:.1f} KB decoded, {len(code)} files")
        print(f"largest per_page asked of the API: {biggest} (list pages ask 50; the user directory one page of 200)")
        assert shown
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
