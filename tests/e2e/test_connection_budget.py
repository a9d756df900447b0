"""The connection budget (README, "Connection budget"): the whole suite holds at most 30
PostgreSQL connections at rest and 60 under a burst of concurrent writes, so a default
PostgreSQL (max_connections = 100) has room for `make test` beside a running suite."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from shared.db import make_engine
from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


def suite_connections(suite) -> int:
    names = [make_url(url).database for url in suite.databases.values()]
    engine = make_engine(suite.pg_server + "/postgres")
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = ANY(:n)"),
                                    {"n": names}).scalar_one())
    finally:
        engine.dispose()


def test_the_suite_stays_within_its_connection_budget(suite, admin):
    def at_rest_within_budget() -> list[int]:  # the start-up connections are returned to the pools
        n = suite_connections(suite)
        assert n <= 30, f"{n} connections at rest"
        return [n]

    at_rest = eventually(at_rest_within_budget, timeout=20, interval=0.5)[0]

    peak = [at_rest]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], suite_connections(suite))
            time.sleep(0.2)

    def burst(i: int) -> int:
        created = admin.post("/customers", json={"name": f"预算测试 {uuid.uuid4().hex[:10]} {i}"})
        listed = admin.get("/customers", params={"per_page": 5})
        return max(created.status_code, listed.status_code)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(burst, range(300)))
    stop.set()
    sampler.join(timeout=5)
    assert peak[0] <= 60, f"{peak[0]} connections under load"
    assert all(s < 500 or s == 503 for s in statuses), statuses  # never a raw 500
    assert statuses.count(503) <= len(statuses) // 10, statuses.count(503)
