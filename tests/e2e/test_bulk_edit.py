"""Bulk edit through the gateway (issue 17.3): 10,000 customers changed by one filtered bulk
change, with progress up to the total, every customer changed, the change on the timeline,
undone as one step; a rep's bulk change never reaches another rep's customers."""

from __future__ import annotations

import time
import uuid

import pytest

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e
COUNT = 10_000


@pytest.fixture(scope="module")
def people(admin):
    manager = admin.create_user("manager")
    rep = admin.create_user("sales", manager_id=manager.user["id"])
    other = admin.create_user("sales")
    probe = rep.post("/customers", json={"name": f"批量探针{uuid.uuid4().hex[:8]}"}).json()
    eventually(lambda: manager.get(f"/customers/{probe['id']}").status_code == 200, timeout=20)
    return {"manager": manager, "rep": rep, "other": other, "admin": admin}


def _import(client, tag: str, category: str, count: int) -> None:
    lines = ["name,industry,phone,address,category,contact_name,contact_phone,contact_email"]
    lines += [f"批量{tag}客户{i:05d}有限公司,电子,0755-{i:07d},深圳,{category},联系人{i},," for i in range(count)]
    r = client.post("/imports/customers", files={"file": ("bulk.csv", "\n".join(lines).encode(), "text/csv")})
    assert r.status_code == 202, r.text

    def finished():
        job = client.get(f"/imports/{r.json()['id']}").json()
        return job if job["status"] in ("done", "failed") else None
    job = eventually(finished, timeout=180)
    assert (job["status"], job["created"]) == ("done", count), job


def _wait(client, job_id: str, timeout: float = 300) -> tuple[dict, list[int]]:
    """The finished job and the progress seen on the way."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}").json()
        seen.append(job["processed"])
        if job["status"] in ("done", "failed", "undone"):
            return job, seen
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def _timeline_types(client, customer_id: str) -> list[str]:
    items = client.get("/timeline", params={"customer_id": customer_id}).json().get("items", [])
    return [e["type"] for e in items]


def test_bulk_edit_of_ten_thousand_customers_and_its_undo(people):
    rep, other = people["rep"], people["other"]
    tag = uuid.uuid4().hex[:6]
    before, after = f"旧{tag}", f"重点{tag}"
    _import(rep, tag, before, COUNT)
    theirs = other.post("/customers", json={"name": f"别人的{tag}客户", "category": before}).json()

    started = time.monotonic()
    r = rep.post("/customers/bulk", json={"filter": {"category": before},
                                          "set": {"category": after, "industry": "机械"}})
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    job, seen = _wait(rep, job_id)
    took = time.monotonic() - started
    assert job["status"] == "done", job
    assert job["total"] == job["processed"] == job["changed"] == COUNT, job  # not the other rep's one
    assert seen == sorted(seen) and seen[-1] == COUNT
    print(f"bulk change of {COUNT} customers: {took:.1f} s")
    assert rep.get("/customers", params={"category": after}).json()["total"] == COUNT
    assert rep.get("/customers", params={"category": before}).json()["total"] == 0
    assert other.get(f"/customers/{theirs['id']}").json()["category"] == before

    sample = rep.get("/customers", params={"category": after, "per_page": 3}).json()["items"]
    assert all(c["industry"] == "机械" for c in sample)
    eventually(lambda: all("customer.customer.updated" in _timeline_types(rep, c["id"]) for c in sample),
               timeout=120)

    r = rep.post(f"/jobs/{job_id}/undo")
    assert r.status_code == 202, r.text
    undo, _ = _wait(rep, r.json()["job_id"])
    assert (undo["status"], undo["total"], undo["processed"], undo["changed"]) == ("done", COUNT, COUNT, COUNT)
    assert rep.get(f"/jobs/{job_id}").json()["status"] == "undone"
    assert rep.get("/customers", params={"category": before}).json()["total"] == COUNT
    assert rep.get("/customers", params={"category": after}).json()["total"] == 0
    restored = rep.get(f"/customers/{sample[0]['id']}").json()
    assert (restored["category"], restored["industry"]) == (before, "电子")
    eventually(lambda: _timeline_types(rep, sample[0]["id"]).count("customer.customer.updated") >= 2, timeout=120)
    r = rep.post(f"/jobs/{job_id}/undo")
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_undone"


def test_a_rep_cannot_touch_another_reps_customers(people):
    rep, other, manager = people["rep"], people["other"], people["manager"]
    tag = uuid.uuid4().hex[:6]
    mine = rep.post("/customers", json={"name": f"我的{tag}客户", "category": "C"}).json()
    theirs = other.post("/customers", json={"name": f"他的{tag}客户", "category": "C"}).json()
    other.post(f"/customers/{theirs['id']}/shares", json={"user_id": rep.user["id"]})  # shared is not owned

    r = rep.post("/customers/bulk", json={"ids": [mine["id"], theirs["id"]], "set": {"category": "A"}})
    assert r.status_code == 202, r.text
    job, _ = _wait(rep, r.json()["job_id"])
    assert (job["total"], job["changed"], job["error_count"]) == (1, 1, 1)
    assert job["errors"] == [{"id": theirs["id"], "message": "not found or not yours to change"}]
    assert other.get(f"/customers/{theirs['id']}").json()["category"] == "C"
    assert rep.get(f"/customers/{mine['id']}").json()["category"] == "A"

    r = rep.post("/customers/bulk", json={"filter": {"owner_id": other.user["id"]}, "set": {"category": "A"}})
    job, _ = _wait(rep, r.json()["job_id"])
    assert job["total"] == 0 and other.get(f"/customers/{theirs['id']}").json()["category"] == "C"
    # an owner change only by those allowed to transfer to that owner
    r = rep.post("/customers/bulk", json={"ids": [mine["id"]], "set": {"owner_id": other.user["id"]}})
    assert r.status_code == 403
    # others' jobs are not there for them; bad input is a 422
    assert other.get(f"/jobs/{job['id']}").status_code == 404
    assert other.post(f"/jobs/{job['id']}/undo").status_code == 404
    r = rep.post("/customers/bulk", json={"filter": {"colour": "red"}, "set": {"category": "A"}})
    assert r.status_code == 422 and "filter.colour" in r.json()["error"]["details"]
    r = rep.post("/customers/bulk", json={"ids": [mine["id"]], "set": {"status": "lost"}})
    assert r.status_code == 422 and "lost_reason" in r.json()["error"]["details"]
    # a manager moves the team's customers, and the new owner sees them
    r = manager.post("/customers/bulk", json={"ids": [mine["id"]], "set": {"owner_id": manager.user["id"]},
                                              "share_with": rep.user["id"]})
    assert r.status_code == 202, r.text
    job, _ = _wait(manager, r.json()["job_id"])
    assert job["changed"] == 1
    moved = manager.get(f"/customers/{mine['id']}").json()
    assert moved["owner_id"] == manager.user["id"] and moved["shared_with"] == [rep.user["id"]]
    eventually(lambda: {"customer.customer.transferred", "customer.customer.shared"}
               <= set(_timeline_types(manager, mine["id"])), timeout=60)
