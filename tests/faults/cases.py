"""One fault case: a steady load through the gateway, one fault injected at a random
moment, the backlog drained, every invariant checked, one line of figures printed (and
kept in var/faults/results.jsonl for the README's table)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import pika

from shared.envelope import Envelope
from shared.testing.proxy import TcpProxy
from shared.testing.suite import ROOT, ApiClient, Suite, children
from shared.topology import connect
from tests.faults import invariants
from tests.faults.load import Load, World, make_world

RESULTS = ROOT / "var" / "faults" / "results.jsonl"


@dataclass
class Faulty:
    """A suite whose components reach the broker (each through its own proxy) and
    PostgreSQL (all through one proxy) through TCP proxies a case can cut."""

    suite: Suite
    amqp_url: str
    broker: dict[str, TcpProxy] = field(default_factory=dict)  # component -> its proxy
    database: TcpProxy | None = None


@dataclass
class Context:
    faulty: Faulty
    admin: ApiClient
    world: World
    load: Load
    poison: list[str] = field(default_factory=list)  # event ids meant for the DLQ
    notes: list[str] = field(default_factory=list)

    @property
    def suite(self) -> Suite:
        return self.faulty.suite


Fault = Callable[[Context], None]  # returns when the fault has ended


# ---- the faults ------------------------------------------------------------------------
def kill(process: str) -> Fault:
    """kill -9 of a process (and its children) at this moment; its supervisor restarts it."""
    def fault(ctx: Context) -> None:
        pid = ctx.suite.kill(process, signal.SIGKILL)
        took = ctx.suite.wait_restarted(process, pid)
        ctx.notes.append(f"restarted in {took:.1f}s")
    return fault


def kill_api_worker(process: str) -> Fault:
    """kill -9 of one gunicorn worker of an API (its master starts another)."""
    def fault(ctx: Context) -> None:
        master = ctx.suite.pid(process)
        workers = children(master)
        victim = random.choice(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = children(master)
            if victim not in now and len(now) >= len(workers):
                return
            time.sleep(0.1)
        raise AssertionError(f"{process}: no worker replaced {victim} within 30s")
    return fault


def kill_import_worker(rows: int = 6000) -> Fault:
    """A customer import of `rows` rows under way, then kill -9 of the process running the
    import worker (the customer consumer) once its first batch is in; the job must end
    with every row imported once."""
    def fault(ctx: Context) -> None:
        tag = ctx.world.tag
        lines = ["name,industry,phone"] + [f"F{tag}-imp-{i} 进口商行,制造业,1380{i:07d}" for i in range(rows)]
        r = ctx.world.rep.post("/imports/customers", files={"file": ("faults.csv", "\n".join(lines).encode(),
                                                                     "text/csv")})
        assert r.status_code == 202, r.text
        job = r.json()["id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = ctx.world.rep.get(f"/imports/{job}").json()
            if 0 < state.get("processed", 0) < rows:
                break
            assert state.get("status") != "done", f"the import finished before the kill: {state}"
            time.sleep(0.05)
        pid = ctx.suite.kill("customer_consumer", signal.SIGKILL)
        ctx.notes.append(f"killed at {state.get('processed')}/{rows} rows")
        ctx.suite.wait_restarted("customer_consumer", pid)
        ctx.import_job = (job, rows)  # type: ignore[attr-defined]
    return fault


def cut_broker(*components: str, seconds: float = 8.0) -> Fault:
    """The network between these components and the broker cut (every open connection
    dropped, new ones refused) for a while."""
    def fault(ctx: Context) -> None:
        proxies = [ctx.faulty.broker[c] for c in components or tuple(ctx.faulty.broker)]
        for p in proxies:
            p.cut()
        time.sleep(seconds)
        for p in proxies:
            p.resume()
    return fault


def cut_database(seconds: float = 8.0) -> Fault:
    """PostgreSQL gone for every component (connections dropped, new ones refused)."""
    def fault(ctx: Context) -> None:
        assert ctx.faulty.database is not None
        ctx.faulty.database.cut()
        time.sleep(seconds)
        ctx.faulty.database.resume()
    return fault


def restart_postgresql(ctx: Context) -> None:
    """The real thing (opt-in: the server is shared): a fast shutdown and start."""
    subprocess.run(["pg_ctlcluster", "15", "main", "restart", "-m", "fast"], check=True, timeout=120)


def restart_rabbitmq(ctx: Context) -> None:
    """The real thing (opt-in: the broker is shared): stop_app, a pause, start_app."""
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=120)
    time.sleep(5)
    subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120)


def poison_message(ctx: Context) -> None:
    """A well-formed sales.order.created whose total billing cannot store (past
    numeric(14,2)): its handler raises on every attempt; the message must end in the DLQ
    after its retries while everything behind it flows on."""
    order_id = str(uuid.uuid4())
    customer = ctx.world.customers[0]
    data = {"id": order_id, "number": f"SO-POISON-{ctx.world.tag}", "customer_id": customer,
            "owner_id": ctx.world.rep.user["id"], "status": "pending", "gross": "1000000000000000.00",
            "net": "1000000000000000.00", "tax": "0.00", "lines": []}
    env = Envelope(event_type="sales.order.created", aggregate_type="order", aggregate_id=order_id,
                   aggregate_seq=1, data=data, producer="sales", region="cn-east", customer_id=customer)
    conn = connect(ctx.faulty.amqp_url)
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        ch.basic_publish("crm.events", env.routing_key, env.to_json(),
                         pika.BasicProperties(delivery_mode=2, content_type="application/json", user_id="guest"))
    finally:
        conn.close()
    ctx.poison.append(env.event_id)
    time.sleep(3)  # its retries (200, 500, 1000 ms) run while the load goes on


def slow_consumer(process: str, seconds: float = 10.0) -> Fault:
    """A consumer that crawls: stopped (SIGSTOP) 2 s out of every 2.5 s for a while."""
    def fault(ctx: Context) -> None:
        pid = ctx.suite.pid(process)
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                os.kill(pid, signal.SIGSTOP)
                time.sleep(2.0)
                os.kill(pid, signal.SIGCONT)
                time.sleep(0.5)
        finally:
            os.kill(pid, signal.SIGCONT)
    return fault


# ---- one case ------------------------------------------------------------------------------
@dataclass
class Figures:
    case: str
    writes: int
    during_ok: int
    during_refused: int
    lost: int
    doubled: int
    drain_s: float
    longest_pending_s: float
    fault_s: float
    problems: list[str]
    notes: list[str]
    refusals: dict[str, int] = field(default_factory=dict)  # what clients were answered before success

    def line(self) -> str:
        return (f"{self.case:<28} writes {self.writes:4d}  during fault: ok {self.during_ok:3d} / refused "
                f"{self.during_refused:3d}  lost {self.lost}  doubled {self.doubled}  fault {self.fault_s:5.1f}s  "
                f"drain {self.drain_s:5.1f}s  longest pending {self.longest_pending_s:5.1f}s"
                + (f"  answers {self.refusals}" if self.refusals else "")
                + (f"  ({'; '.join(self.notes)})" if self.notes else ""))


def run_case(faulty: Faulty, admin: ApiClient, name: str, fault: Fault, *, duration: float = 30.0,
             rate: float = 25.0, threads: int = 10, record: bool = True) -> Figures:
    tag = uuid.uuid4().hex[:6]
    earlier_dead = frozenset(i for ids in invariants.dead_letters(faulty.amqp_url).values() for i in ids)
    world = make_world(admin, tag)
    load = Load(faulty.suite.url, world, rate=rate, threads=threads)
    ctx = Context(faulty, admin, world, load)
    db = invariants.Databases(faulty.suite)
    try:
        load.start()
        time.sleep(random.uniform(0.2, 0.35) * duration)  # a random moment under load
        fault_start = time.monotonic()
        fault(ctx)
        fault_end = time.monotonic()
        time.sleep(max(3.0, duration - (fault_end - load.started)))
        load.stop()
        stopped = time.monotonic()
        job = getattr(ctx, "import_job", None)
        if job is not None:  # the job taken over by the restarted worker, finished
            wait_import(db, job[0])
        invariants.wait_drained(db, faulty.amqp_url, world, load, trace=ctx.notes)
        drain = time.monotonic() - stopped
        if job is not None:
            ctx.notes.append(check_import(db, world, *job))
        report = invariants.check(db, faulty.amqp_url, world, load, poison=tuple(ctx.poison),
                                  earlier_dead=earlier_dead)
    finally:
        db.dispose()
    during = load.during(fault_start, fault_end)
    refused = [w for w in during if w.refused]
    problems = list(report.problems)
    errors = load.server_errors()
    if errors:
        problems.append(f"{len(errors)} answers were 500s or had no error body, e.g. {errors[:3]}")
    no_code = load.unavailable_without_code()
    if no_code:
        problems.append(f"{len(no_code)} 503s without service_unavailable, e.g. {no_code[:3]}")
    failed = [w for w in load.writes if not w.acknowledged]
    if failed:
        problems.append(f"{len(failed)} writes never went through, e.g. "
                        f"{[(w.kind, w.status, w.answers[-1][1:]) for w in failed[:3]]}")
    if ctx.poison:  # the next case starts with empty DLQs
        invariants.purge_dead_letters(faulty.amqp_url)
    figures = Figures(name, len(load.writes), len(during) - len(refused), len(refused), report.lost,
                      report.doubled, round(drain, 1), round(report.longest_pending_s, 1),
                      round(fault_end - fault_start, 1), problems, ctx.notes)
    for w in load.writes:
        for _at, status, code in w.answers:
            if status not in (200, 201):
                label = f"{status} {code}".strip()
                figures.refusals[label] = figures.refusals.get(label, 0) + 1
    print("\n" + figures.line())
    if record:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with RESULTS.open("a") as f:
            f.write(json.dumps({"at": datetime.now(UTC).isoformat(), **asdict(figures)}) + "\n")
    return figures


def wait_import(db: invariants.Databases, job: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.rows("customer", "SELECT status FROM import_jobs WHERE id = :j", j=job)[0][0] in ("done", "failed"):
            return
        time.sleep(0.5)


def check_import(db: invariants.Databases, world: World, job: str, rows: int) -> str:
    state = db.rows("customer", "SELECT status, processed FROM import_jobs WHERE id = :j", j=job)[0]
    names = db.rows("customer", "SELECT count(*), count(DISTINCT name) FROM customers WHERE name LIKE :p",
                    p=f"F{world.tag}-imp-%")[0]
    assert state[0] == "done" and names[0] == rows and names[1] == rows, \
        f"import after the kill: job {tuple(state)}, {names[0]} rows ({names[1]} distinct) of {rows}"
    return f"import done, {rows} rows once each"
