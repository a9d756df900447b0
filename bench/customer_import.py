"""Bench: import 100,000 customers with contacts from one CSV file, duplicate check on
(--upsert: then the same names with other phones, mode upsert, and the undo of that).

Uses a scratch database (dropped afterwards); drives the real endpoint (multipart upload)
and the real import worker. Prints rows and seconds.

    .venv/bin/python bench/customer_import.py [--rows 100000] [--upsert]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from services.customer.bootstrap import import_worker, root  # noqa: E402
from shared.config import pg_base_url  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.secrets import new_secret  # noqa: E402
from shared.testing.clients import ServiceClient, new_user, seed_users  # noqa: E402
from shared.testing.servers import scratch_database  # noqa: E402

CITIES = ["上海", "北京", "广州", "深圳", "杭州", "苏州", "南京", "成都", "武汉", "天津"]
TRADES = ["机电设备", "精密机械", "电子科技", "国际贸易", "物流", "化工", "纺织", "食品"]
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇"]


def make_csv(rows: int, area: str = "021") -> bytes:
    out = io.StringIO()
    out.write("name,industry,phone,address,category,contact_name,contact_phone,contact_email\n")
    for i in range(rows):
        city, trade = CITIES[i % 10], TRADES[(i // 10) % 8]
        contact = SURNAMES[i % 10] + GIVEN[(i // 7) % 10]
        out.write(f"{city}{trade}{i:06d}有限公司,{trade},{area}-{i:08d},{city}市{i % 97}号,{'ABC'[i % 3]},"
                  f"{contact},139{i:08d},c{i}@example.cn\n")
    return out.getvalue().encode("utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--upsert", action="store_true",
                        help="then upsert the file with every phone changed (match on name) and undo that")
    args = parser.parse_args()
    data = make_csv(args.rows)
    with scratch_database(pg_base_url(), "bench_import") as url:
        settings = root.settings(database_url=url, internal_secret=new_secret())
        root.migrate(settings)
        engine = make_engine(url)
        rep = new_user("sales")
        seed_users(engine, rep)
        client = ServiceClient(root.create_app(settings), rep, settings.internal_secret)
        worker = import_worker(settings, batch_size=args.batch)

        def run(label: str, content: bytes = data, **form: str) -> str:
            started = time.perf_counter()
            r = client.post("/imports/customers", data={"file": (io.BytesIO(content), "bench.csv"), **form},
                            content_type="multipart/form-data")
            assert r.status_code == 202, r.get_json()
            while worker.run_once():
                pass
            job = client.get(f"/imports/{r.get_json()['id']}").get_json()
            elapsed = time.perf_counter() - started
            print(f"{label}: rows={job['total']} created={job['created']} updated={job.get('updated')} "
                  f"duplicates={job['duplicates']} errors={job['error_count']} status={job['status']} "
                  f"seconds={elapsed:.1f} rows_per_second={job['total'] / elapsed:.0f}")
            return job["id"]

        run("first import")
        with engine.connect() as conn:
            counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                      for t in ("customers", "contacts", "outbox", "acl_customers")}
        print("table rows:", counts)
        run("same file again")
        if args.upsert:
            job_id = run("upsert, every phone changed (match on name)", make_csv(args.rows, "020"), mode="upsert",
                         match_on="name")
            started = time.perf_counter()
            assert client.post(f"/imports/{job_id}/undo").status_code == 202
            while worker.run_once():
                pass
            job = client.get(f"/imports/{job_id}").get_json()
            elapsed = time.perf_counter() - started
            print(f"undo of the upsert: changes={job['undone']} status={job['status']} seconds={elapsed:.1f} "
                  f"rows_per_second={job['undone'] / elapsed:.0f}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
