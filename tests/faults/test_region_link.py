"""The link between a branch and head office cut under load (issue 20.1): the branch keeps
committing customer events at a steady pace while the shovel is cut for 8 s, at a random
moment; afterwards every event committed at the branch is stored once at head office.

Head office's tracking consumer and the branch's relay run in threads on the local broker
(shared.testing.regions), as in the regions tests; the figures go to the same table as the
other faults (var/faults/results.jsonl)."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from shared.testing.fixtures import eventually
from shared.testing.regions import REGION, TwoRegions, linked_regions, rabbitmqctl
from tests.faults.cases import RESULTS, Figures

pytestmark = pytest.mark.e2e

DURATION_S = 40.0
RATE = 40.0  # events per second committed at the branch
CUT_S = 8.0


def delete_the_shovel(regions: TwoRegions):
    regions.delete_shovel()
    return regions.prepare_branch  # deploy.prepare on the branch defines it again


def revoke_head_office(regions: TwoRegions):
    rabbitmqctl("clear_permissions", "-p", regions.hq_vhost, regions.link_user)
    rabbitmqctl("close_all_user_connections", regions.link_user, "link cut by the fault suite")

    def restore() -> None:
        rabbitmqctl("set_permissions", "-p", regions.hq_vhost, regions.link_user, "^$", "^crm\\.regions$", "^$")

    return restore


class BranchLoad:
    """Customer events committed at the branch, two per transaction, at RATE per second."""

    def __init__(self, regions: TwoRegions):
        self.regions = regions
        self.committed: list[tuple[float, str]] = []  # (monotonic time of commit, event id)
        self.failures: list[str] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        interval = 2 / RATE
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                ids = self.regions.commit_at_branch(2, per_transaction=2)
                now = time.monotonic()
                self.committed += [(now, i) for i in ids]
            except Exception as exc:  # noqa: BLE001 - a refused commit at the branch is a finding
                self.failures.append(repr(exc))
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=30)


@pytest.fixture
def two_regions(scratch_db):
    with linked_regions(scratch_db, pool_size=4) as regions:
        yield regions


@pytest.mark.parametrize("cut", [delete_the_shovel, revoke_head_office])
def test_branch_link_cut_under_load(two_regions, cut):
    name = f"branch link cut 8 s ({cut.__name__.replace('_', ' ')})"
    load = BranchLoad(two_regions)
    load.start()
    time.sleep(random.uniform(0.2, 0.35) * DURATION_S)
    fault_start = time.monotonic()
    restore = cut(two_regions)
    time.sleep(CUT_S)
    restore()
    fault_end = time.monotonic()
    time.sleep(max(3.0, DURATION_S - (fault_end - fault_start) - 0.35 * DURATION_S))
    load.stop()
    stopped = time.monotonic()
    committed = [i for _t, i in load.committed]
    eventually(lambda: len(two_regions.stored_at_hq()) >= len(committed), timeout=120, interval=0.1)
    drain = time.monotonic() - stopped
    time.sleep(1.0)  # a redelivery after the cut would have arrived by now
    stored = [e for e, _r in two_regions.stored_at_hq()]
    lost = set(committed) - set(stored)
    doubled = len(stored) - len(set(stored))
    with two_regions.hq_engine.connect() as conn:
        longest = conn.execute(sa.text(
            "SELECT coalesce(max(extract(epoch FROM recorded_at - occurred_at)), 0) FROM events WHERE region = :r"),
            {"r": REGION}).scalar_one()
    during = sum(1 for t, _i in load.committed if fault_start <= t <= fault_end)
    problems = []
    if lost or doubled:
        problems.append(f"lost {len(lost)}, doubled {doubled} of {len(committed)} events")
    if load.failures:
        problems.append(f"{len(load.failures)} commits at the branch failed, e.g. {load.failures[:2]}")
    if two_regions.link_queue_depth() != 0:
        problems.append("events left in the branch's link queue")
    if two_regions.consumer.dead_lettered:
        problems.append(f"{two_regions.consumer.dead_lettered} dead-lettered at head office")
    figures = Figures(name, len(committed), during, 0, len(lost), doubled, round(drain, 1),
                      round(float(longest), 1), round(fault_end - fault_start, 1), problems,
                      [f"longest commit at the branch to stored at head office {float(longest):.1f}s"])
    print("\n" + figures.line())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps({"at": datetime.now(UTC).isoformat(), **asdict(figures)}) + "\n")
    assert not problems, "\n".join(problems)
