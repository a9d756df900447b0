"""Two instances on the local broker for tests and benchmarks (issue 18): head office (a
vhost of its own, its tracking consuming its own events and the branch's) and a branch (a
vhost of its own, a customer database whose outbox relay publishes), linked by the shovel
deploy/regions.py defines, as deploy.prepare would."""

from __future__ import annotations

import contextlib
import os
import subprocess
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from deploy.regions import SHOVEL_NAME, prepare_links
from shared.config import Settings, settings_for
from shared.db import make_engine
from shared.outbox import EventContext, Outbox
from shared.testing.fixtures import FAST_RETRIES, TEST_INTERNAL_SECRET, Worker
from shared.testing.servers import rabbitmq_vhost
from shared.topology import connect

REGION = "cn-south"
LINK_QUEUE = "crm.to-head-office"


def vhost_of(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))


def rabbitmqctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60, check=True)


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def customer_data(customer_id: str, name: str) -> dict:
    return {"id": customer_id, "name": name, "owner_id": str(uuid.uuid4()), "status": "active",
            "category": "A", "industry": "制造业", "phone": "020-55550000", "shared_with": [],
            "lost_reason": None, "created_at": "2026-11-30T08:00:00+00:00"}


@dataclass
class TwoRegions:
    hq: Settings
    branch: Settings
    link_user: str
    link_password: str
    hq_engine: sa.Engine
    branch_engine: sa.Engine
    env: dict[str, str]
    workers: dict[str, Any] = field(default_factory=dict)

    @property
    def consumer(self) -> Any:
        return self.workers["consumer"]

    @property
    def relay(self) -> Any:
        return self.workers["relay"]

    @property
    def hq_vhost(self) -> str:
        return vhost_of(self.hq.rabbitmq_url)

    @property
    def branch_vhost(self) -> str:
        return vhost_of(self.branch.rabbitmq_url)

    def prepare_head_office(self) -> list[str]:
        with environment({**self.env, "CRM_RABBITMQ_VHOST": self.hq_vhost}):
            return prepare_links(self.hq)

    def prepare_branch(self) -> list[str]:
        """The branch's side of the link (queue, user, shovel), as deploy.prepare makes it."""
        head_office = f"amqp://127.0.0.1:5672/{urllib.parse.quote(self.hq_vhost, safe='')}"
        with environment({**self.env, "CRM_RABBITMQ_VHOST": self.branch_vhost,
                          "CRM_HEAD_OFFICE_AMQP_URL": head_office}):
            return prepare_links(self.branch)

    def delete_shovel(self) -> None:
        rabbitmqctl("clear_parameter", "-p", self.branch_vhost, "shovel", SHOVEL_NAME)

    def commit_at_branch(self, n: int, *, per_transaction: int = 100,
                         on_commit: Callable[[list[str]], None] | None = None) -> list[str]:
        """n customer events committed at the branch through its outbox; their event ids."""
        outbox, ids = Outbox("customer", REGION), []
        ctx = EventContext(actor_id=str(uuid.uuid4()))
        for start in range(0, n, per_transaction):
            batch = []
            with self.branch_engine.begin() as conn:
                for i in range(start, min(n, start + per_transaction)):
                    cid = str(uuid.uuid4())
                    env = outbox.add(conn, ctx, "customer.customer.created", aggregate_type="customer",
                                     aggregate_id=cid, customer_id=cid, data=customer_data(cid, f"华南客户{i}"))
                    batch.append(env.event_id)
            ids += batch
            if on_commit:
                on_commit(batch)
        return ids

    def outbox_pending(self) -> int:
        with self.branch_engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar_one()

    def link_queue_depth(self) -> int:
        conn = connect(self.branch.rabbitmq_url)
        try:
            return conn.channel().queue_declare(LINK_QUEUE, passive=True).method.message_count
        finally:
            conn.close()

    def stored_at_hq(self, region: str | None = REGION) -> list[tuple[str, str]]:
        with self.hq_engine.connect() as conn:
            q = "SELECT event_id, region FROM events" + (" WHERE region = :r" if region else "")
            return [tuple(r) for r in conn.execute(sa.text(q), {"r": region}).all()]


@contextlib.contextmanager
def linked_regions(make_db: Callable[[str], str], *, workers: bool = True,
                   reconnect_s: int = 1, pool_size: int = 2) -> Iterator[TwoRegions]:
    """Head office and a branch, linked; with workers, head office's tracking consumer and the
    branch's customer relay running in threads (stopped before the vhosts go)."""
    from services.customer.bootstrap import root as customer_root
    from services.tracking.bootstrap import root as tracking_root

    tag = uuid.uuid4().hex[:8]
    user, password = f"crmt-link-{tag}", uuid.uuid4().hex
    env = {"CRM_LINK_USER": user, "CRM_LINK_PASSWORD_CN_SOUTH": password, "CRM_LINK_RECONNECT_S": str(reconnect_s)}
    with contextlib.ExitStack() as stack:
        hq_url = stack.enter_context(rabbitmq_vhost())
        branch_url = stack.enter_context(rabbitmq_vhost())
        stack.callback(subprocess.run, ["rabbitmqctl", "-q", "delete_user", user], capture_output=True)
        hq_db, branch_db = make_db("hq_tracking"), make_db("branch_customer")
        # direct_database_url too: settings_for derived it from the default URL (the relay's LISTEN)
        hq = settings_for("tracking", database_url=hq_db, direct_database_url=hq_db, rabbitmq_url=hq_url, region="hq",
                          region_links=((REGION, user),), retry_delays_ms=FAST_RETRIES,
                          internal_secret=TEST_INTERNAL_SECRET)
        tracking_root.migrate(hq)
        tracking_root.declare(hq)  # head office's inbox queue before any shovel starts
        branch = settings_for("customer", database_url=branch_db, direct_database_url=branch_db, rabbitmq_url=branch_url,
                              region=REGION, internal_secret=TEST_INTERNAL_SECRET)
        customer_root.migrate(branch)
        hq_engine = make_engine(hq.database_url, pool_size=2)
        branch_engine = make_engine(branch.database_url, pool_size=pool_size)
        stack.callback(hq_engine.dispose)
        stack.callback(branch_engine.dispose)
        regions = TwoRegions(hq, branch, user, password, hq_engine, branch_engine, env)
        regions.prepare_head_office()
        regions.prepare_branch()
        if workers:
            regions.workers["consumer"] = stack.enter_context(Worker(tracking_root.consumer(hq)))
            regions.workers["relay"] = stack.enter_context(Worker(customer_root.relay(branch)))
        yield regions
