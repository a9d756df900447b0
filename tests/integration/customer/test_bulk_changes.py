"""Bulk changes against real PostgreSQL: a worker killed between two batches loses nothing and
the job, taken over, writes every customer's events exactly once; the undo puts back the values
before (a field changed since stays); a manager's change reaches the team, a rep's only their own."""

from __future__ import annotations

import uuid

import pytest

from services.customer.bootstrap import root
from services.customer.bulk_worker import BulkWorker
from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


class KilledAfterOneBatch(BulkWorker):
    def _batch(self, job):
        worked = super()._batch(job)
        raise RuntimeError("killed between two batches")  # the process dies: the batch committed
        return worked  # pragma: no cover


@pytest.fixture(scope="module")
def ctx(settings):
    return root.context(settings, kind="consumer")


def _drain(worker: BulkWorker) -> None:
    while worker.run_once():
        pass


def _customers(client, tag: str, n: int, **extra) -> list[dict]:
    out = []
    for i in range(n):
        r = client.post("/customers", json={"name": f"批量{tag}客户{i}有限公司", "category": "C", **extra})
        assert r.status_code == 201, r.get_json()
        out.append(r.get_json())
    return out


def test_a_killed_worker_loses_nothing_and_writes_each_event_once(people, ctx, engine):
    tag = uuid.uuid4().hex[:6]
    made = _customers(people.sales, tag, 5)
    r = people.sales.post("/customers/bulk", json={"ids": [c["id"] for c in made],
                                                   "set": {"category": "A", "status": "lost", "lost_reason": "倒闭"}})
    assert r.status_code == 202, r.get_json()
    job_id = r.get_json()["job_id"]
    with pytest.raises(RuntimeError):
        KilledAfterOneBatch(ctx.engine, ctx.outbox, batch_size=2).run_once()
    job = people.sales.get(f"/jobs/{job_id}").get_json()
    assert (job["status"], job["processed"], job["total"]) == ("running", 2, 5)
    _drain(BulkWorker(ctx.engine, ctx.outbox, batch_size=2, stale_after=0))  # takes the job over
    job = people.sales.get(f"/jobs/{job_id}").get_json()
    assert (job["status"], job["processed"], job["changed"], job["errors"]) == ("done", 5, 5, [])
    for c in made:
        now = people.sales.get(f"/customers/{c['id']}").get_json()
        assert (now["category"], now["status"], now["lost_reason"]) == ("A", "lost", "倒闭")
        updated = outbox_events(engine, "customer.customer.updated", c["id"])
        lost = outbox_events(engine, "customer.customer.lost", c["id"])
        assert len(updated) == 1 and len(lost) == 1  # once each, whoever worked the batch
        assert updated[0]["data"]["category"] == "A" and updated[0]["data"]["status"] == "active"
        assert lost[0]["data"]["status"] == "lost" and lost[0]["actor_id"] == people.sales.user["id"]
        assert lost[0]["aggregate_seq"] == updated[0]["aggregate_seq"] + 1

    # someone changes one customer's category meanwhile: the undo leaves that field
    assert people.sales.patch(f"/customers/{made[0]['id']}", json={"category": "VIP"}).status_code == 200
    r = people.sales.post(f"/jobs/{job_id}/undo")
    assert r.status_code == 202
    _drain(BulkWorker(ctx.engine, ctx.outbox, batch_size=2))
    undo = people.sales.get(f"/jobs/{r.get_json()['job_id']}").get_json()
    assert (undo["status"], undo["processed"], undo["changed"], undo["error_count"]) == ("done", 5, 5, 1)
    assert undo["errors"][0]["code"] == "changed_since" and undo["errors"][0]["id"] == made[0]["id"]
    first = people.sales.get(f"/customers/{made[0]['id']}").get_json()
    assert (first["category"], first["status"], first["lost_reason"]) == ("VIP", "active", None)
    for c in made[1:]:
        now = people.sales.get(f"/customers/{c['id']}").get_json()
        assert (now["category"], now["status"]) == ("C", "active")
    assert people.sales.get(f"/jobs/{job_id}").get_json()["status"] == "undone"
    assert people.sales.post(f"/jobs/{job_id}/undo").status_code == 409


def test_whose_customers_a_bulk_change_reaches(people, ctx):
    tag = uuid.uuid4().hex[:6]
    reps = _customers(people.sales, tag, 2)
    others = _customers(people.other, f"{tag}o", 1)
    body = {"ids": [c["id"] for c in reps + others], "set": {"industry": "机械"}}
    r = people.manager.post("/customers/bulk", json=body)  # the rep is in the manager's team
    assert r.status_code == 202 and r.get_json()["total"] == 2
    r = people.sales.post("/customers/bulk", json={"filter": {"q": tag}, "set": {"owner_id": people.manager.user["id"]}})
    assert r.status_code == 403  # a rep hands customers only to themselves
    r = people.finance.post("/customers/bulk", json=body)
    assert r.status_code == 403
    r = people.admin.post("/customers/bulk", json={"filter": {"q": tag}, "set": {"owner_id": people.manager.user["id"]},
                                                   "share_with": people.sales.user["id"]})
    assert r.status_code == 202 and r.get_json()["total"] == 3
    _drain(BulkWorker(ctx.engine, ctx.outbox))
    moved = people.manager.get(f"/customers/{reps[0]['id']}").get_json()
    assert moved["owner_id"] == people.manager.user["id"] and moved["industry"] == "机械"
    assert moved["shared_with"] == [people.sales.user["id"]]
    assert people.other.get(f"/customers/{others[0]['id']}").status_code == 404  # handed to the manager
