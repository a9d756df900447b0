"""Bench: search and the first list page with 1,000,000 customers (and 1,000,000
contacts) in the database; p50/p95 per query kind and role, through the service's HTTP
handlers (Flask test client), on a scratch database that is dropped afterwards.

    .venv/bin/python bench/customer_search.py [--customers 1000000] [--runs 40]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from services.customer.bootstrap import root  # noqa: E402
from services.customer.models import contacts, customers  # noqa: E402
from shared.config import pg_base_url  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.secrets import new_secret  # noqa: E402
from shared.testing.clients import ServiceClient, new_user, seed_users  # noqa: E402
from shared.testing.servers import scratch_database  # noqa: E402

CITIES = ["上海", "北京", "广州", "深圳", "杭州", "苏州", "南京", "成都", "武汉", "天津", "重庆", "西安", "青岛", "大连", "厦门", "宁波", "无锡", "长沙", "郑州", "济南", "合肥", "福州", "昆明", "沈阳", "哈尔滨", "长春", "石家庄", "太原", "南昌", "贵阳"]
MIDS = ["华东", "精工", "宏达", "恒通", "瑞丰", "鑫源", "永昌", "金桥", "新世纪", "东方", "远大", "宝丰", "天成", "盛世", "中联", "嘉禾", "汇通", "百合", "长江", "黄河", "泰山", "华南", "北辰", "星光", "海天", "联创", "凯达", "正大", "顺发", "荣盛", "瑞祥", "广源", "博远", "富康", "万通", "兴业", "和信", "佳美", "明达", "立信"]
TRADES = ["机电设备", "精密机械", "电子科技", "国际贸易", "物流", "化工", "纺织", "食品"]
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "伟芳娜敏静强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建"

POPULATE = """
INSERT INTO customers (id, name, name_key, search_text, industry, phone, phone_key, address, category, owner_id,
                       status, created_by, created_at, updated_at)
SELECT md5(i::text || 'c')::uuid::text,
       n, k, n, t, '021-' || lpad((i::bigint * 7919 % 100000000)::text, 8, '0'), '021' || lpad((i::bigint * 7919 % 100000000)::text, 8, '0'),
       c || '市', (ARRAY['A','B','C'])[1 + i % 3], (CAST(:owners AS text[]))[1 + i % :nowners],
       CASE WHEN i % 17 = 0 THEN 'lost' ELSE 'active' END, NULL,
       now() - make_interval(secs => i), now() - make_interval(secs => i)
FROM (
  SELECT i, c, t, c || m || t || i::text || '有限公司' AS n, c || m || t || i::text AS k
  FROM (SELECT i, (CAST(:cities AS text[]))[1 + i % 30] AS c, (CAST(:mids AS text[]))[1 + (i / 30) % 40] AS m,
               (CAST(:trades AS text[]))[1 + (i / 1200) % 8] AS t
        FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS i) s
) x
"""
POPULATE_CONTACTS = """
INSERT INTO contacts (id, customer_id, name, search_text, phone, is_decision_maker, created_at, updated_at)
SELECT md5(i::text || 'k')::uuid::text, md5(i::text || 'c')::uuid::text, nm, nm,
       '139' || lpad(i::text, 8, '0'), i % 4 = 0, now() - make_interval(secs => i), now()
FROM (SELECT i, substr(:surnames, 1 + i % 10, 1) || substr(:given, 1 + (i / 10) % 30, 1)
                || substr(:given, 1 + (i / 300) % 30, 1) AS nm
      FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS i) s
"""


def populate(engine, n: int, owners: list[str]) -> None:
    heavy = [ix for table in (customers, contacts) for ix in table.indexes]
    with engine.begin() as conn:
        for ix in heavy:
            conn.execute(sa.text(f"DROP INDEX {ix.name}"))
    params = {"cities": CITIES, "mids": MIDS, "trades": TRADES, "owners": owners, "nowners": len(owners),
              "surnames": SURNAMES, "given": GIVEN}
    step = 250_000
    for lo in range(1, n + 1, step):
        hi = min(n, lo + step - 1)
        with engine.begin() as conn:
            conn.execute(sa.text(POPULATE), {**params, "lo": lo, "hi": hi})
            conn.execute(sa.text(POPULATE_CONTACTS), {**params, "lo": lo, "hi": hi})
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO acl_customers (customer_id, owner_id, name, status) "
                             "SELECT id, owner_id, name, status FROM customers ON CONFLICT (customer_id) DO NOTHING"))
        conn.execute(sa.text("SET maintenance_work_mem = '512MB'"))
        for ix in heavy:
            ix.create(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE customers"))
        conn.execute(sa.text("VACUUM ANALYZE contacts"))
        conn.execute(sa.text("VACUUM ANALYZE acl_customers"))


def load_people(engine) -> tuple[dict | None, list[dict], list[dict]]:
    """The users of a kept database (empty lists for a new one)."""
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT id, username, full_name, role, manager_id, active FROM acl_users ORDER BY username"))]
    admin = next((r for r in rows if r["role"] == "admin"), None)
    return admin, [r for r in rows if r["role"] == "manager"], [r for r in rows if r["role"] == "sales"]


def timed(client: ServiceClient, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    r = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert r.status_code == 200, (path, r.get_json())
    return elapsed, r.get_json()["total"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database", help="reuse (or create and keep) this database instead of a scratch one")
    args = parser.parse_args()
    rng = random.Random(7)
    with contextlib.ExitStack() as stack:
        url = args.database or stack.enter_context(scratch_database(pg_base_url(), "bench_search"))
        settings = root.settings(database_url=url, internal_secret=new_secret())
        root.migrate(settings)
        engine = make_engine(url)
        started = time.perf_counter()
        admin, managers, reps = load_people(engine)
        if not reps:
            admin = new_user("admin")
            managers = [new_user("manager") for _ in range(10)]
            reps = [new_user("sales", manager_id=managers[i % 10]["id"]) for i in range(100)]
            seed_users(engine, admin, *managers, *reps)
            populate(engine, args.customers, [r["id"] for r in reps])
        with engine.connect() as conn:
            n_customers = conn.execute(sa.text("SELECT count(*) FROM customers")).scalar()
            n_contacts = conn.execute(sa.text("SELECT count(*) FROM contacts")).scalar()
        print(f"rows: customers={n_customers} contacts={n_contacts} (loaded and indexed in "
              f"{time.perf_counter() - started:.0f} s)")
        app = root.create_app(settings)
        clients = {"admin": ServiceClient(app, admin, settings.internal_secret),
                   "manager": ServiceClient(app, managers[3], settings.internal_secret),
                   "sales": ServiceClient(app, reps[42], settings.internal_secret)}

        # each role searches for things it can see: fragments of its own customers' names,
        # phones and contacts (sampled from its first list pages)
        samples = {}
        for role, client in clients.items():
            customers_seen = client.get("/customers?per_page=200&page=3").get_json()["items"]
            contacts_seen = client.get("/contacts?per_page=200&page=2").get_json()["items"]
            samples[role] = (customers_seen, contacts_seen)

        def fragment(role: str, size: int) -> str:
            name = rng.choice(samples[role][0])["name"]
            start = rng.randrange(0, len(name) - size - 4)  # not inside the 有限公司 suffix
            return name[start: start + size]

        def phone_digits(role: str) -> str:
            phone = rng.choice(samples[role][0])["phone"].replace("-", "")
            start = rng.randrange(0, len(phone) - 7)
            return phone[start: start + 7]

        kinds = {
            "first list page": lambda role: "/customers?per_page=50",
            "list filtered (category, status)": lambda role: f"/customers?category={rng.choice('ABC')}&status=active",
            "search name fragment (4 chars)": lambda role: f"/customers?q={fragment(role, 4)}",
            "search name fragment (3 chars)": lambda role: f"/customers?q={fragment(role, 3)}",
            "search exact name": lambda role: f"/customers?q={rng.choice(samples[role][0])['name']}",
            "search phone digits (7)": lambda role: f"/customers?q={phone_digits(role)}",
            "search contact name (3 chars)": lambda role: f"/customers?q={rng.choice(samples[role][1])['name']}",
            "search 2-char fragment": lambda role: f"/customers?q={fragment(role, 2)}",
        }
        print(f"{'query':36} {'role':8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'median total':>13}")
        for label, make_path in kinds.items():
            for role, client in clients.items():
                timed(client, make_path(role))  # warm
                times, totals = [], []
                for _ in range(args.runs):
                    ms, total = timed(client, make_path(role))
                    times.append(ms)
                    totals.append(total)
                times.sort()
                p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
                print(f"{label:36} {role:8} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f} "
                      f"{int(statistics.median(totals)):13d}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
