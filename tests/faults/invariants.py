"""What must hold after every fault, read from the services' own databases and the broker:
every acknowledged write once in its service and once in tracking, no order left pending,
the stock ledger equal to the levels, billing's and every visibility copy equal to their
source, the DLQ holding exactly what was meant to fail, nothing left in any outbox."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

import pika
import sqlalchemy as sa

from shared.config import SERVICES
from shared.testing.suite import Suite
from shared.topology import connect, dlq_name, retry_queue_name
from tests.faults.load import Load, World

CREATED_EVENTS = {"customer": ("customer.customer.created",), "activity": ("customer.activity.logged",),
                  "order": ("sales.order.created",),
                  "payment": ("billing.payment.received", "billing.payment.recorded")}
SETTLED_EVENTS = ("sales.order.confirmed", "sales.order.rejected")


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    lost: int = 0
    doubled: int = 0
    longest_pending_s: float = 0.0
    dead_letters: dict[str, list[str]] = field(default_factory=dict)

    def expect(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)


class Databases:
    """One small engine per service database of a suite (no pool: checks only)."""

    def __init__(self, suite: Suite):
        self.engines = {name: sa.create_engine(url, poolclass=sa.pool.NullPool)
                        for name, url in suite.databases.items()}

    def rows(self, service: str, sql: str, **params) -> list:
        with self.engines[service].connect() as conn:
            return list(conn.execute(sa.text(sql), params))

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


def queue_depths(amqp_url: str) -> dict[str, int]:
    """Messages in every service's queue, retry queues and DLQ, those delivered and not yet
    acknowledged included (rabbitmqctl; a passive declare counts only the ready ones)."""
    if shutil.which("rabbitmqctl"):
        vhost = urllib.parse.unquote(urllib.parse.urlsplit(amqp_url).path.lstrip("/")) or "/"
        out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "--no-table-headers",
                              "name", "messages"], capture_output=True, text=True, timeout=60, check=True)
        rows = (line.split() for line in out.stdout.splitlines())
        return {r[0]: int(r[1]) for r in rows if len(r) == 2 and r[1].isdigit()
                and r[0].split(".")[0] in SERVICES}
    depths: dict[str, int] = {}
    conn = connect(amqp_url)
    try:
        for service in SERVICES:
            queue = f"{service}.events"
            names = [queue, dlq_name(queue), *(retry_queue_name(queue, i) for i in range(1, 4))]
            for name in names:
                ch = conn.channel()
                try:
                    depths[name] = ch.queue_declare(name, passive=True).method.message_count
                    ch.close()
                except pika.exceptions.ChannelClosedByBroker:
                    pass  # no such retry queue
    finally:
        with contextlib.suppress(Exception):
            conn.close()
    return depths


def backlog(db: Databases, amqp_url: str, world: World) -> dict[str, int]:
    """What is still on its way: unsent outbox rows, queued messages (not the DLQs), orders
    of the case still pending."""
    out: dict[str, int] = {}
    for name in db.engines:
        out[f"outbox:{name}"] = db.rows(name, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
    for name, depth in queue_depths(amqp_url).items():
        if not name.endswith(".dlq"):
            out[f"queue:{name}"] = depth
    out["pending orders"] = db.rows("sales", "SELECT count(*) FROM orders WHERE customer_id = ANY(:c) "
                                    "AND status = 'pending'", c=world.customers)[0][0]
    return {k: v for k, v in out.items() if v}


def wait_drained(db: Databases, amqp_url: str, world: World, load: Load, timeout: float = 120,
                 trace: list[str] | None = None) -> float:
    """Seconds until nothing is on its way any more and tracking holds every acknowledged
    write (raises after timeout, naming what is left). trace: what was left every 5 s."""
    started = time.monotonic()
    next_trace = started + 5
    ids = [w.record_id for w in load.acknowledged()]
    left: dict[str, int] = {}
    while time.monotonic() - started < timeout:
        try:
            left = backlog(db, amqp_url, world)
            if not left:
                seen = db.rows("tracking", "SELECT count(DISTINCT aggregate_id) FROM events "
                                           "WHERE aggregate_id = ANY(:ids)", ids=ids)[0][0]
                if seen >= len(set(ids)):
                    return time.monotonic() - started
                left = {"tracking missing": len(set(ids)) - seen}
        except Exception as exc:  # noqa: BLE001 - a server coming back: ask again
            left = {f"error {type(exc).__name__}": 1}
        if trace is not None and time.monotonic() >= next_trace:
            trace.append(f"{time.monotonic() - started:.0f}s: {left}")
            next_trace += 5
        time.sleep(0.5)
    raise AssertionError(f"not drained within {timeout}s: {left}")


def check(db: Databases, amqp_url: str, world: World, load: Load, *, poison: tuple[str, ...] = (),
          earlier_dead: frozenset[str] = frozenset()) -> Report:
    """earlier_dead: event ids in the DLQs before the case (another test's)."""
    rep = Report()
    acked = load.acknowledged()
    by_kind = {kind: [w for w in acked if w.kind == kind] for kind in CREATED_EVENTS}

    # ---- every acknowledged write once in its service ----------------------------------
    def once(kind: str, service: str, sql: str, ids: list[str], marker_rows: list) -> None:
        """ids: the acknowledged records; marker_rows: every record of the case of this kind
        (one per write made, whatever its answer)."""
        found = {r[0] for r in db.rows(service, sql, ids=ids)}
        missing = [i for i in ids if i not in found]
        counts = Counter(r[0] for r in marker_rows)
        doubled = sum(n - 1 for n in counts.values()) + max(0, len(counts) - len(ids))
        rep.lost += len(missing)
        rep.doubled += doubled
        rep.expect(not missing, f"{kind}: {len(missing)} acknowledged but missing, e.g. {missing[:3]}")
        rep.expect(not doubled, f"{kind}: {doubled} written more than once (or written unacknowledged)")

    tag = world.tag
    customers = by_kind["customer"]
    once("customer", "customer", "SELECT id FROM customers WHERE id = ANY(:ids)",
         [w.record_id for w in customers],
         db.rows("customer", "SELECT name FROM customers WHERE name LIKE :p", p=f"F{tag}-%客户%"))
    activities = by_kind["activity"]
    once("activity", "customer", "SELECT id FROM activities WHERE id = ANY(:ids)",
         [w.record_id for w in activities],
         db.rows("customer", "SELECT summary FROM activities WHERE summary LIKE :p", p=f"F{tag} 电话 %"))
    orders = by_kind["order"]
    once("order", "sales", "SELECT id FROM orders WHERE id = ANY(:ids)", [w.record_id for w in orders],
         db.rows("sales", "SELECT id FROM orders WHERE customer_id = ANY(:c) AND NOT (id = ANY(:s))",
                 c=world.customers, s=world.setup_orders))  # no marker: every order of the case's customers
    payments = by_kind["payment"]
    once("payment", "billing", "SELECT id FROM payments WHERE id = ANY(:ids)", [w.record_id for w in payments],
         db.rows("billing", "SELECT note FROM payments WHERE note LIKE :p", p=f"f-{tag}-%"))

    # ---- ... and once in tracking -------------------------------------------------------------
    for kind, writes in by_kind.items():
        ids = [w.record_id for w in writes]
        rows = db.rows("tracking", "SELECT aggregate_id, count(*) FROM events WHERE aggregate_id = ANY(:ids) "
                                   "AND event_type = ANY(:t) GROUP BY aggregate_id", ids=ids,
                       t=list(CREATED_EVENTS[kind]))
        counts = {r[0]: r[1] for r in rows}
        missing = [i for i in ids if i not in counts]
        twice = [i for i, n in counts.items() if n > 1]
        rep.lost += len(missing)
        rep.doubled += len(twice)
        rep.expect(not missing, f"tracking: {len(missing)} {kind} writes never recorded")
        rep.expect(not twice, f"tracking: {len(twice)} {kind} writes recorded twice")

    # ---- orders settle; how long they stayed pending ------------------------------------
    pending = db.rows("sales", "SELECT id FROM orders WHERE customer_id = ANY(:c) AND status IN "
                               "('pending', 'pending_approval')", c=world.customers)
    rep.expect(not pending, f"{len(pending)} orders still pending")
    spans = db.rows("tracking", """
        SELECT p.aggregate_id, EXTRACT(EPOCH FROM min(s.occurred_at) - min(p.occurred_at))
        FROM events p JOIN events s ON s.aggregate_id = p.aggregate_id AND s.event_type = ANY(:settled)
        WHERE p.event_type = 'sales.order.created' AND p.aggregate_id = ANY(:ids) GROUP BY p.aggregate_id""",
                    settled=list(SETTLED_EVENTS), ids=[w.record_id for w in orders])
    rep.longest_pending_s = max((float(r[1]) for r in spans), default=0.0)

    # ---- stock: ledger equals levels, nothing below zero ----------------------------------
    off = db.rows("inventory", """
        SELECT s.product_id, s.warehouse_id, s.on_hand, s.reserved, l.on_hand, l.reserved FROM stock s
        FULL JOIN (SELECT product_id, warehouse_id, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved
                   FROM stock_ledger GROUP BY product_id, warehouse_id) l
          ON l.product_id = s.product_id AND l.warehouse_id = s.warehouse_id
        WHERE s.on_hand IS DISTINCT FROM l.on_hand OR s.reserved IS DISTINCT FROM l.reserved
           OR s.on_hand < 0 OR s.reserved < 0""")
    rep.expect(not off, f"stock differs from its ledger (or is negative): {off[:3]}")
    totals = db.rows("inventory", """
        SELECT p.product_id FROM product_stock p
        LEFT JOIN (SELECT product_id, sum(on_hand - reserved) AS available FROM stock GROUP BY product_id) s
          ON s.product_id = p.product_id
        WHERE p.available IS DISTINCT FROM coalesce(s.available, 0)""")
    rep.expect(not totals, f"product availability differs from the stock rows: {totals[:3]}")

    # ---- billing's copy of each order equals sales' --------------------------------------
    cols = "id, number, customer_id, owner_id, status, gross"
    sales_orders = {r[0]: tuple(r) for r in db.rows("sales", f"SELECT {cols} FROM orders "
                                                             "WHERE customer_id = ANY(:c)", c=world.customers)}
    billing_orders = {r[0]: tuple(r) for r in db.rows("billing", f"SELECT {cols} FROM orders "
                                                                 "WHERE customer_id = ANY(:c)", c=world.customers)}
    differ = [i for i in sales_orders if sales_orders[i] != billing_orders.get(i)]
    rep.expect(not differ, f"billing's copy differs from sales' for {len(differ)} orders, e.g. "
                           f"{[(sales_orders[i], billing_orders.get(i)) for i in differ[:2]]}")

    # ---- every visibility copy equals its source ------------------------------------------
    source = {r[0]: tuple(r) for r in db.rows("customer", "SELECT id, owner_id, status, name FROM customers "
                                                          "WHERE name LIKE :p",
                                              p=f"F{tag}-%")}
    for service in ("sales", "inventory", "billing", "tracking"):
        copy = {r[0]: tuple(r) for r in db.rows(service, "SELECT customer_id, owner_id, status, name "
                                                         "FROM acl_customers WHERE customer_id = ANY(:ids)",
                                                ids=list(source))}
        differ = [i for i in source if copy.get(i) != source[i]]
        rep.expect(not differ, f"{service}'s visibility copy differs for {len(differ)} customers, e.g. "
                               f"{[(source[i], copy.get(i)) for i in differ[:2]]}")

    # ---- the DLQs: exactly the poison message -------------------------------------------
    rep.dead_letters = {q: [i for i in ids if i not in earlier_dead] for q, ids in dead_letters(amqp_url).items()}
    rep.dead_letters = {q: ids for q, ids in rep.dead_letters.items() if ids}
    unexpected = {q: ids for q, ids in rep.dead_letters.items() if set(ids) - set(poison)}
    rep.expect(not unexpected, f"dead letters besides the poison message: {unexpected}")
    if poison:
        held = {i for ids in rep.dead_letters.values() for i in ids}
        rep.expect(set(poison) <= held, f"the poison message is not in any DLQ: {rep.dead_letters}")
    return rep


def dead_letters(amqp_url: str) -> dict[str, list[str]]:
    """The event ids in every service's DLQ (read without taking them: the channel closes
    unacked, so the broker keeps them)."""
    out: dict[str, list[str]] = {}
    conn = connect(amqp_url)
    try:
        for service in SERVICES:
            queue = dlq_name(f"{service}.events")
            ch = conn.channel()
            ids = []
            while True:
                method, _props, body = ch.basic_get(queue, auto_ack=False)
                if method is None:
                    break
                try:
                    ids.append(json.loads(body).get("event_id"))
                except ValueError:
                    ids.append("<not json>")
            ch.close()
            if ids:
                out[queue] = ids
    finally:
        with contextlib.suppress(Exception):
            conn.close()
    return out


def purge_dead_letters(amqp_url: str) -> None:
    conn = connect(amqp_url)
    try:
        ch = conn.channel()
        for service in SERVICES:
            ch.queue_purge(dlq_name(f"{service}.events"))
    finally:
        with contextlib.suppress(Exception):
            conn.close()
