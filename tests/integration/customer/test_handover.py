"""A rep's hand-over in the customer service (issue 16) against real PostgreSQL: who may start
one, the job (customers transferred by the bulk worker with progress, each event marked with
the hand-over), the open leads and open tasks moved at the end with their events, one
customer.handover.completed, and sales' answer recorded on the job."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.customer.bootstrap import root
from services.customer.bulk_worker import BulkWorker
from services.customer.handlers import handler_table
from shared.consumer import run_handlers_directly
from shared.envelope import Envelope
from shared.events import validate
from shared.outbox import Outbox
from shared.testing.clients import new_user, seed_users
from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ctx(settings):
    return root.context(settings, kind="consumer")


def _drain(worker: BulkWorker) -> None:
    while worker.run_once():
        pass


def test_a_handover_moves_customers_leads_and_tasks_in_one_job(people, ctx, engine):
    rep, manager = people.sales, people.manager
    mate = new_user("sales", manager_id=manager.user["id"])
    seed_users(engine, mate)
    tag = uuid.uuid4().hex[:6]
    mine = [rep.post("/customers", json={"name": f"交接{tag}客户{i}"}).get_json() for i in range(5)]
    rep.post(f"/customers/{mine[0]['id']}/shares", json={"user_id": people.other.user["id"]})
    other_customer = people.other.post("/customers", json={"name": f"别人{tag}客户"}).get_json()
    new_lead = rep.post("/leads", json={"name": f"新线索{tag}"}).get_json()
    dropped = rep.post("/leads", json={"name": f"无效线索{tag}"}).get_json()
    rep.patch(f"/leads/{dropped['id']}", json={"status": "disqualified"})
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    open_task = rep.post("/tasks", json={"title": "回访", "due_at": due, "customer_id": mine[1]["id"]}).get_json()
    done_task = rep.post("/tasks", json={"title": "已完成", "due_at": due}).get_json()
    assert rep.patch(f"/tasks/{done_task['id']}", json={"status": "done"}).status_code == 200

    body = {"from_user_id": rep.user["id"], "to_user_id": mate["id"]}
    assert rep.post("/handovers", json=body).status_code == 403
    assert people.manager2.post("/handovers", json=body).status_code == 403
    assert people.finance.post("/handovers", json=body).status_code == 403
    r = manager.post("/handovers", json={**body, "to_user_id": people.other.user["id"]})
    assert r.status_code == 403  # not a user the manager may make an owner
    r = manager.post("/handovers", json={**body, "to_user_id": rep.user["id"]})
    assert r.status_code == 422 and "to_user_id" in r.get_json()["error"]["details"]
    assert manager.post("/handovers", json={"from_user_id": str(uuid.uuid4()),
                                            "to_user_id": mate["id"]}).status_code == 422
    r = manager.post("/handovers", json=body)
    assert r.status_code == 202, r.get_json()
    job_id = r.get_json()["job_id"]
    assert r.get_json()["total"] == 5
    r = manager.post("/handovers", json=body)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "handover_running"
    # one of them handed to someone else meanwhile stays there
    moved_away = rep.post("/customers", json={"name": f"交接{tag}另交客户"}).get_json()  # not in the job
    assert manager.post(f"/customers/{mine[4]['id']}/transfer", json={"owner_id": manager.user["id"]}).status_code == 200
    assert rep.get(f"/jobs/{job_id}").status_code == 404

    seen = []

    class Watching(BulkWorker):
        def _batch(self, job):
            worked = super()._batch(job)
            seen.append(manager.get(f"/jobs/{job_id}").get_json()["processed"])
            return worked
    _drain(Watching(ctx.engine, ctx.outbox, batch_size=2))
    assert seen[:3] == [2, 4, 5]
    job = manager.get(f"/jobs/{job_id}").get_json()
    assert (job["kind"], job["status"], job["total"], job["processed"], job["changed"]) == ("handover", "done", 5, 5, 4)
    assert job["errors"] == [{"id": mine[4]["id"], "message": "handed to someone else since the hand-over was queued"}]
    assert manager.get(f"/customers/{mine[4]['id']}").get_json()["owner_id"] == manager.user["id"]
    assert manager.get(f"/customers/{moved_away['id']}").get_json()["owner_id"] == rep.user["id"]  # came after
    mine = mine[:4]
    assert job["handover"] == {"from_user_id": rep.user["id"], "to_user_id": mate["id"], "leads": 1, "tasks": 1,
                               "opportunities": None}

    for c in mine:
        now = manager.get(f"/customers/{c['id']}").get_json()
        assert now["owner_id"] == mate["id"]
        [ev] = outbox_events(engine, "customer.customer.transferred", c["id"])
        assert ev["data"]["handover_id"] == job_id and ev["actor_id"] == manager.user["id"]
        assert ev["data"]["handover_note"] == f"{rep.user['full_name']} → {mate['full_name']}"
        validate("customer.customer.transferred", ev["data"])
    assert people.other.get(f"/customers/{other_customer['id']}").get_json()["owner_id"] == people.other.user["id"]
    assert rep.get(f"/customers/{mine[2]['id']}").status_code == 404
    assert manager.get(f"/leads/{new_lead['id']}").get_json()["owner_id"] == mate["id"]
    assert manager.get(f"/leads/{dropped['id']}").get_json()["owner_id"] == rep.user["id"]
    [lead_ev] = outbox_events(engine, "customer.lead.assigned", new_lead["id"])
    assert lead_ev["data"]["handover_id"] == job_id
    validate("customer.lead.assigned", lead_ev["data"])
    assert manager.get(f"/tasks/{open_task['id']}").get_json()["assignee_id"] == mate["id"]
    assert manager.get(f"/tasks/{done_task['id']}").get_json()["assignee_id"] == rep.user["id"]
    [done] = outbox_events(engine, "customer.handover.completed", job_id)
    assert done["data"] | {} == {"id": job_id, "from_user_id": rep.user["id"], "to_user_id": mate["id"],
                                 "from_name": rep.user["full_name"], "to_name": mate["full_name"],
                                 "customers": 4, "leads": 1, "tasks": 1}
    validate("customer.handover.completed", done["data"])
    # a second hand-over may start now; undoing one is not offered
    assert manager.post(f"/jobs/{job_id}/undo").status_code == 409

    # the sales service's answer is recorded on the job (the same answer twice changes nothing)
    answer = {"handover_id": job_id, "from_user_id": rep.user["id"], "to_user_id": mate["id"], "opportunities": 3}
    for _ in range(2):
        env = Envelope(event_type="sales.handover.opportunities_moved", aggregate_type="handover",
                       aggregate_id=job_id, aggregate_seq=1, data=answer, producer="sales", region="cn-east")
        run_handlers_directly(ctx.engine, handler_table(), Outbox("customer", "cn-east"), [env])
    assert manager.get(f"/jobs/{job_id}").get_json()["handover"]["opportunities"] == 3
