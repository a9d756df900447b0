"""Bench: the customer list's search with 1,000,000 customers and 1,000,000 contacts in
the database (issue 21.5): p50/p95 per query kind (2- and 3-character Chinese fragments,
2-character Latin fragments, the fragments users type most, a full name, a phone
fragment, a contact's e-mail fragment) and per role (admin, a manager of 10 reps, a rep),
each figure beside a baseline measured in the same run on the same database with the same
queries: the search as it was before issue 21.5 (every match materialised and counted
exactly), and a plain read of one customer by id.

How it is measured: requests go through the customer service's real HTTP handlers (Flask
test client in this process: routing, auth headers, visibility, SQL, JSON; no network and
no gateway in front), one at a time, `--runs` requests per figure after one warm-up, each
with a fresh fragment drawn from names, phones and e-mail addresses the role can see. The
times are wall-clock per request; on a shared machine they include whatever else runs,
and the same-run baseline is what to compare with.

The data: 80% Chinese company names (city + name + trade + number + 有限公司), 20% Latin
ones (pinyin/English words + number + "Co., Ltd."), one contact per customer (a Chinese
name; an e-mail address, 10% of them at abc-group.cn), 100 reps (10 per manager), each
owning about 10,000 customers (the owner is a hash of the row number). Building it takes
about 3 minutes on 2 cores (168 s measured with other work running); the database is
kept (`bench_customer_search_1m_v2` by default) and reused by the next run as long as its
marker row says it is complete (`--fresh` rebuilds it, `--drop` drops it at the end).

    .venv/bin/python bench/customer_search.py [--customers 1000000] [--runs 40] [--fresh] [--drop]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from psycopg.errors import QueryCanceled  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from services.customer.api import customers as customers_api  # noqa: E402
from services.customer.api.customer_filters import filters, sort_order  # noqa: E402
from services.customer.bootstrap import root  # noqa: E402
from services.customer.models import contacts, customers  # noqa: E402
from shared.config import pg_base_url  # noqa: E402
from shared.db import drop_database, ensure_database, make_engine  # noqa: E402
from shared.errors import ValidationFailed  # noqa: E402
from shared.secrets import new_secret  # noqa: E402
from shared.testing.clients import ServiceClient, new_user, seed_users  # noqa: E402

DATA_VERSION = 3
CITIES = ["上海", "北京", "广州", "深圳", "杭州", "苏州", "南京", "成都", "武汉", "天津", "重庆", "西安", "青岛", "大连", "厦门", "宁波", "无锡", "长沙", "郑州", "济南", "合肥", "福州", "昆明", "沈阳", "哈尔滨", "长春", "石家庄", "太原", "南昌", "贵阳"]
CITIES_EN = ["Shanghai", "Beijing", "Guangzhou", "Shenzhen", "Hangzhou", "Suzhou", "Nanjing", "Chengdu", "Wuhan", "Tianjin", "Chongqing", "Xian", "Qingdao", "Dalian", "Xiamen", "Ningbo", "Wuxi", "Changsha", "Zhengzhou", "Jinan", "Hefei", "Fuzhou", "Kunming", "Shenyang", "Harbin", "Changchun", "Shijiazhuang", "Taiyuan", "Nanchang", "Guiyang"]
MIDS = ["华东", "精工", "宏达", "恒通", "瑞丰", "鑫源", "永昌", "金桥", "新世纪", "东方", "远大", "宝丰", "天成", "盛世", "中联", "嘉禾", "汇通", "百合", "长江", "黄河", "泰山", "华南", "北辰", "星光", "海天", "联创", "凯达", "正大", "顺发", "荣盛", "瑞祥", "广源", "博远", "富康", "万通", "兴业", "和信", "佳美", "明达", "立信"]
MIDS_EN = ["Huadong", "Jinggong", "Hongda", "Hengtong", "Ruifeng", "Xinyuan", "Yongchang", "Jinqiao", "Xinshiji", "Dongfang", "Yuanda", "Baofeng", "Tiancheng", "Shengshi", "Zhonglian", "Jiahe", "Huitong", "Baihe", "Changjiang", "Huanghe", "Taishan", "Huanan", "Beichen", "Xingguang", "Haitian", "Lianchuang", "Kaida", "Zhengda", "Shunfa", "Rongsheng", "Ruixiang", "Guangyuan", "Boyuan", "Fukang", "Wantong", "Xingye", "Hexin", "Jiamei", "Mingda", "Lixin"]
TRADES = ["机电设备", "精密机械", "电子科技", "国际贸易", "物流", "化工", "纺织", "食品"]
TRADES_EN = ["Electromechanical", "Precision Machinery", "Electronics", "International Trading", "Logistics", "Chemicals", "Textiles", "Foods"]
SURNAMES = "王李张刘陈杨黄赵吴周"
SURNAMES_EN = ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou"]
GIVEN = "伟芳娜敏静强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建"
DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "abc-group.cn", "gmail.com"]

# one row per i: Chinese for i % 5 <> 0, Latin otherwise; search_text and name_key as
# services/customer/domain/normalize.py computes them for these names; the owner is a hash
# of i, so every rep owns a share of every city, name, trade and e-mail domain
POPULATE = """
INSERT INTO customers (id, name, name_key, search_text, industry, phone, phone_key, address, category, owner_id,
                       status, created_by, created_at, updated_at)
SELECT md5(i::text || 'c')::uuid::text, n, k, s, t, '021-' || lpad((i::bigint * 7919 % 100000000)::text, 8, '0'),
       '021' || lpad((i::bigint * 7919 % 100000000)::text, 8, '0'),
       c || '市', (ARRAY['A','B','C'])[1 + i % 3], (CAST(:owners AS text[]))[1 + ((hashint4(i)::bigint + 2147483648) % :nowners)::int],
       CASE WHEN i % 17 = 0 THEN 'lost' ELSE 'active' END, NULL,
       now() - make_interval(secs => i), now() - make_interval(secs => i)
FROM (
  SELECT i, c, t,
         CASE WHEN i % 5 = 0 THEN ce || ' ' || me || ' ' || te || ' ' || i::text || ' Co., Ltd.'
              ELSE c || m || t || i::text || '有限公司' END AS n,
         CASE WHEN i % 5 = 0 THEN lower(regexp_replace(ce || me || te || i::text, '[^A-Za-z0-9]', '', 'g'))
              ELSE c || m || t || i::text END AS k,
         CASE WHEN i % 5 = 0 THEN lower(regexp_replace(ce || me || te || i::text || 'coltd', '[^A-Za-z0-9]', '', 'g'))
              ELSE c || m || t || i::text || '有限公司' END AS s
  FROM (SELECT i, (CAST(:cities AS text[]))[1 + i % 30] AS c, (CAST(:mids AS text[]))[1 + (i / 30) % 40] AS m,
               (CAST(:trades AS text[]))[1 + (i / 1200) % 8] AS t,
               (CAST(:cities_en AS text[]))[1 + i % 30] AS ce, (CAST(:mids_en AS text[]))[1 + (i / 30) % 40] AS me,
               (CAST(:trades_en AS text[]))[1 + (i / 1200) % 8] AS te
        FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS i) s
) x
"""
POPULATE_CONTACTS = """
INSERT INTO contacts (id, customer_id, name, search_text, phone, email, is_decision_maker, created_at, updated_at)
SELECT md5(i::text || 'k')::uuid::text, md5(i::text || 'c')::uuid::text, nm, nm,
       '139' || lpad(i::text, 8, '0'),
       (CAST(:surnames_en AS text[]))[1 + i % 10] || '.' || i::text || '@'
         || CASE WHEN i % 10 < 7 THEN (CAST(:domains AS text[]))[1 + i % 10]
                 ELSE lower((CAST(:mids_en AS text[]))[1 + (i / 30) % 40]) || (i % 997)::text || '.com' END,
       i % 4 = 0, now() - make_interval(secs => i), now()
FROM (SELECT i, substr(:surnames, 1 + i % 10, 1) || substr(:given, 1 + (i / 10) % 30, 1)
                || substr(:given, 1 + (i / 300) % 30, 1) AS nm
      FROM generate_series(CAST(:lo AS int), CAST(:hi AS int)) AS i) s
"""


def populate(engine, n: int, owners: list[str]) -> None:
    """n customers with one contact each, owned round-robin by owners; the search and
    list indexes dropped for the load and built afterwards."""
    heavy = [ix for table in (customers, contacts) for ix in table.indexes]
    with engine.begin() as conn:
        for ix in heavy:
            conn.execute(sa.text(f"DROP INDEX IF EXISTS {ix.name}"))
    params = {"cities": CITIES, "mids": MIDS, "trades": TRADES, "cities_en": CITIES_EN, "mids_en": MIDS_EN,
              "trades_en": TRADES_EN, "owners": owners, "nowners": len(owners), "surnames": SURNAMES,
              "surnames_en": SURNAMES_EN, "given": GIVEN, "domains": DOMAINS}
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
        for table in ("customers", "contacts", "acl_customers", "customer_counts"):
            conn.execute(sa.text(f"VACUUM ANALYZE {table}"))


def load_people(engine) -> tuple[dict | None, list[dict], list[dict]]:
    """The users of a kept database (empty lists for a new one)."""
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT id, username, full_name, role, manager_id, active FROM acl_users ORDER BY username"))]
    admin = next((r for r in rows if r["role"] == "admin"), None)
    return admin, [r for r in rows if r["role"] == "manager"], [r for r in rows if r["role"] == "sales"]


def built(engine, n: int) -> bool:
    """Whether the kept database holds a complete build of this data version and size."""
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_marker (version int, customers int)"))
        return conn.execute(sa.text("SELECT 1 FROM bench_marker WHERE version = :v AND customers = :n"),
                            {"v": DATA_VERSION, "n": n}).first() is not None


def build(engine, n: int) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE bench_marker, contacts, customers, customer_counts, acl_customers, "
                             "acl_users CASCADE"))
    admin = new_user("admin")
    managers = [new_user("manager") for _ in range(10)]
    reps = [new_user("sales", manager_id=managers[i % 10]["id"]) for i in range(100)]
    seed_users(engine, admin, *managers, *reps)
    populate(engine, n, [r["id"] for r in reps])
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO bench_marker VALUES (:v, :n)"), {"v": DATA_VERSION, "n": n})


def old_search_page(conn, who, page: int, per_page: int) -> tuple[list[str], int, bool]:
    """The search before issue 21.5 (the baseline): every customer matching q materialised
    by the search indexes alone, then filtered by visibility, counted exactly and paged."""
    m = customers_api.search_cte()
    where = filters(conn, who, m.c, search=False)
    savepoint = conn.begin_nested()
    conn.execute(sa.text(f"SET LOCAL statement_timeout = {customers_api.SEARCH_TIMEOUT_MS}"))
    try:
        rows = conn.execute(
            sa.select(m.c.id, sa.func.count().over().label("total")).where(*where)
            .order_by(*sort_order(m.c)).limit(per_page).offset((page - 1) * per_page)).all()
        total = int(rows[0].total) if rows else int(
            conn.execute(sa.select(sa.func.count()).select_from(m).where(*where)).scalar_one())
    except OperationalError as exc:
        if not isinstance(exc.orig, QueryCanceled):
            raise
        savepoint.rollback()
        raise ValidationFailed("q matches too many customers to list quickly", code="search_too_broad") from None
    savepoint.commit()
    return [r.id for r in rows], total, False


def pct(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


def measure(client: ServiceClient, make_path: Callable[[], str], runs: int) -> tuple[list[float], list[dict]]:
    """Times of runs requests (after one warm-up) and their answers; a search refused after
    its 3 s statement timeout (422 search_too_broad) counts with its time and total None."""
    client.get(make_path())  # warm
    times, answers = [], []
    for _ in range(runs):
        path = make_path()
        started = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        body = r.get_json()
        if r.status_code == 422 and body["error"]["code"] == "search_too_broad":
            answers.append({"total": None, "total_is_estimate": False})
            continue
        assert r.status_code == 200, (path, body)
        answers.append(body)
    return times, answers


def totals(answers: list[dict]) -> str:
    """The median total, and how many searches were refused (timed out), if any."""
    counted = [a["total"] for a in answers if a["total"] is not None]
    refused = len(answers) - len(counted)
    median = f"{int(statistics.median(counted)):,}" if counted else "-"
    return median + (f" ({refused} timed out)" if refused else "")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database", default="bench_customer_search_1m_v2",
                        help="the kept database (built when missing or incomplete)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the kept database")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--no-baseline", action="store_true", help="skip the old query shape")
    parser.add_argument("--kinds", help="only the query kinds whose label contains this text")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # figures as they come, also into a file
    rng = random.Random(7)
    url = f"{pg_base_url()}/{args.database}"
    ensure_database(url)
    settings = root.settings(database_url=url, internal_secret=new_secret())
    started = time.perf_counter()
    root.migrate(settings)
    engine = make_engine(url)
    if args.fresh or not built(engine, args.customers):
        build(engine, args.customers)
        print(f"built {args.database}: {args.customers:,} customers + contacts, indexed and analysed in "
              f"{time.perf_counter() - started:.0f} s (kept for the next run)")
    else:
        print(f"reused {args.database} (built earlier; migrated and opened in {time.perf_counter() - started:.1f} s)")
    admin, managers, reps = load_people(engine)
    with engine.connect() as conn:
        n_customers = conn.execute(sa.text("SELECT count(*) FROM customers")).scalar()
        n_contacts = conn.execute(sa.text("SELECT count(*) FROM contacts")).scalar()
    print(f"rows: customers={n_customers:,} contacts={n_contacts:,}; a rep owns {n_customers // len(reps):,}, "
          f"a manager's team {10 * n_customers // len(reps):,}")
    app = root.create_app(settings)
    clients = {"admin": ServiceClient(app, admin, settings.internal_secret),
               "manager": ServiceClient(app, managers[3], settings.internal_secret),
               "rep": ServiceClient(app, next(r for r in reps if r["manager_id"] == managers[3]["id"]),
                                    settings.internal_secret)}

    # each role searches for what it can see: pieces of its own customers' names, phones
    # and contacts' e-mail addresses (sampled from its list pages)
    samples = {}
    for role, client in clients.items():
        seen = [c for p in (2, 3) for c in client.get(f"/customers?per_page=200&page={p}").get_json()["items"]]
        people = client.get("/contacts?per_page=200&page=2").get_json()["items"]
        samples[role] = {"zh": [c["name"] for c in seen if not c["name"].isascii()],
                         "latin": [re.sub(r"[^a-z]", "", c["name"].lower().removesuffix(" co., ltd."))
                                   for c in seen if c["name"].isascii()],
                         "phones": [c["phone"].replace("-", "") for c in seen],
                         "names": [c["name"] for c in seen],
                         "emails": [p["email"] for p in people if p.get("email")]}

    def piece(text: str, size: int) -> str:
        start = rng.randrange(0, len(text) - size + 1)
        return text[start: start + size]

    def zh(role: str, size: int) -> str:
        name = rng.choice(samples[role]["zh"])
        return piece(re.match(r"\D+", name).group(0), size)  # within city + name + trade

    named = ["华强", "科技", "北京", "li", "abc"]
    kinds: dict[str, Callable[[str], str]] = {
        "2-char Chinese": lambda role: zh(role, 2),
        "3-char Chinese": lambda role: zh(role, 3),
        "2-char Latin": lambda role: piece(rng.choice(samples[role]["latin"]), 2),
        "华强/科技/北京/li/abc": lambda role: rng.choice(named),
        "full name": lambda role: rng.choice(samples[role]["names"]),
        "phone fragment (7 digits)": lambda role: piece(rng.choice(samples[role]["phones"]), 7),
        "e-mail fragment (5-8 chars)": lambda role: piece(rng.choice(samples[role]["emails"]), rng.randint(5, 8)),
    }
    ids = {role: [c["id"] for c in (client.get("/customers?per_page=50").get_json()["items"])]
           for role, client in clients.items()}

    print(f"\n{args.runs} requests per figure, ms wall clock per request (Flask test client, this process)")
    print(f"{'query':28} {'role':8} {'p50':>7} {'p95':>7} {'max':>7} {'total (median)':>15} {'estimated':>9}"
          f"   {'before p50':>10} {'before p95':>10} {'before total':>12}")
    for role, client in clients.items():
        times, _ = measure(client, lambda role=role: f"/customers/{rng.choice(ids[role])}", args.runs)
        print(f"{'baseline: GET /customers/id':28} {role:8} {statistics.median(times):7.1f} {pct(times, .95):7.1f} "
              f"{max(times):7.1f}")
    for role, client in clients.items():
        times, answers = measure(client, lambda: "/customers?per_page=50", args.runs)
        print(f"{'list, first page, no q':28} {role:8} {statistics.median(times):7.1f} {pct(times, .95):7.1f} "
              f"{max(times):7.1f} {answers[0]['total']:15,}")
    new_page = customers_api._search_page
    worst = 0.0
    for label, make_q in kinds.items():
        if args.kinds and args.kinds not in label:
            continue
        for role, client in clients.items():
            state = rng.getstate()
            def path(role: str = role, make_q: Callable[[str], str] = make_q) -> str:
                return f"/customers?q={urllib.parse.quote(make_q(role))}&per_page=50"

            times, answers = measure(client, path, args.runs)
            worst = max(worst, pct(times, .95))
            estimated = sum(1 for a in answers if a["total_is_estimate"])
            line = (f"{label:28} {role:8} {statistics.median(times):7.1f} {pct(times, .95):7.1f} {max(times):7.1f} "
                    f"{totals(answers):>15} {estimated:>4}/{len(answers):<4}")
            if not args.no_baseline:
                rng.setstate(state)  # the same queries through the old shape
                customers_api._search_page = old_search_page
                try:
                    before, old_answers = measure(client, path, args.runs)
                finally:
                    customers_api._search_page = new_page
                line += (f"   {statistics.median(before):10.1f} {pct(before, .95):10.1f} "
                         f"{totals(old_answers):>12}")
            print(line)
    print(f"\nworst search p95: {worst:.1f} ms (aim: 50 ms); 'estimated' counts answers with total_is_estimate "
          f"(total = {customers_api.ESTIMATE_FROM:,}, shown as \"{customers_api.ESTIMATE_FROM:,}+\")")
    engine.dispose()
    if args.drop:
        drop_database(url)
        print(f"dropped {args.database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
