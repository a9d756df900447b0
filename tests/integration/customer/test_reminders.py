"""A task reminder fires once: with two scheduler processes racing for the same due
reminders, and across a restart (due while no scheduler ran: fired by the next one; fired
before the restart: never again)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def _scheduler(settings, log_dir: Path, name: str) -> subprocess.Popen:
    env = {**os.environ, "CUSTOMER_DATABASE_URL": settings.database_url, "CRM_REMINDER_POLL_S": "0.05",
           "CRM_REMINDER_BATCH": "2", "LOG_FORMAT": "text"}
    env.pop("CRM_METRICS_PORT", None)
    log = open(log_dir / f"{name}.log", "wb")  # noqa: SIM115 - the process owns it
    return subprocess.Popen([sys.executable, "-m", "services.customer", "scheduler"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_started(log_dir: Path, names: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all("reminder scheduler started" in (log_dir / f"{n}.log").read_text() for n in names):
            return
        time.sleep(0.1)
    raise AssertionError("the schedulers did not start")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def _fired(engine, ids: list[str]) -> Counter:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT payload->>'aggregate_id' FROM outbox "
            "WHERE routing_key = 'customer.task.reminder_due.v1' AND payload->>'aggregate_id' = ANY(:ids)"),
            {"ids": ids}).scalars().all()
    return Counter(rows)


def _wait_fired(engine, ids: list[str], timeout: float = 60) -> Counter:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fired = _fired(engine, ids)
        if len(fired) == len(ids):
            return fired
        time.sleep(0.2)
    return _fired(engine, ids)


def _task(client, remind_in_s: float, remind_at: str | None = None) -> str:
    now = dt.datetime.now(dt.UTC)
    r = client.post("/tasks", json={"title": f"提醒{uuid.uuid4().hex[:6]}",
                                    "due_at": (now + dt.timedelta(hours=1)).isoformat(),
                                    "remind_at": remind_at or (now + dt.timedelta(seconds=remind_in_s)).isoformat()})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_reminders_fire_once_across_two_schedulers_and_a_restart(people, engine, settings, tmp_path):
    rep = people.sales
    overdue = [_task(rep, -60) for _ in range(4)]  # due before any scheduler ran
    procs = [_scheduler(settings, tmp_path, "a"), _scheduler(settings, tmp_path, "b")]
    try:
        _wait_started(tmp_path, ["a", "b"])
        # due at the same moment while both run: they race for them, two per transaction
        remind = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4)).isoformat()
        soon = [_task(rep, 0, remind_at=remind) for _ in range(40)]
        due_now = overdue
        fired = _wait_fired(engine, due_now + soon)
        assert set(fired) == set(due_now + soon) and set(fired.values()) == {1}, fired
        # both processes did fire some (they really raced, each in batches of 2)
        logs = [(tmp_path / f"{n}.log").read_text() for n in ("a", "b")]
        assert all("fired" in text for text in logs), logs
    finally:
        for p in procs:
            _stop(p)
    # while no scheduler runs, a reminder comes due and nothing fires
    later = _task(rep, 0.5)
    time.sleep(1.5)
    assert _fired(engine, [later]) == Counter()
    # a moved reminder fires anew at its new time; an untouched one never again
    moved = due_now[0]
    new_time = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).isoformat()
    assert rep.patch(f"/tasks/{moved}", json={"remind_at": new_time}).status_code == 200
    restarted = _scheduler(settings, tmp_path, "c")
    try:
        _wait_started(tmp_path, ["c"])
        fired = _wait_fired(engine, [later])
        assert fired == Counter({later: 1})
        deadline = time.monotonic() + 30
        while _fired(engine, [moved])[moved] < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # a few more passes: nothing fires twice
        again = _fired(engine, due_now + soon + [later])
        assert again[moved] == 2 and again[later] == 1
        assert all(again[t] == 1 for t in due_now[1:] + soon)
    finally:
        _stop(restarted)
    with engine.connect() as conn:
        states = conn.execute(sa.text("SELECT count(*) FROM tasks WHERE id = ANY(:ids) AND reminded_at IS NULL"),
                              {"ids": due_now + soon + [later]}).scalar()
    assert states == 0
    task = rep.get(f"/tasks/{later}").get_json()
    assert task["reminded_at"] is not None
