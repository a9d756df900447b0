"""Backup and restore (issue 17) on a scratch suite of its own (its own databases, vhost and
document folder; never `make run`'s): records made through the gateway, the suite stopped,
`python -m deploy.backup create`, `verify`, everything wiped (databases, vhost, documents),
`restore`, the suite started again: the same counts, the same timelines, the same file, and
the restored suite still works (a new customer reaches its timeline through the broker)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
import uuid

import pytest

from shared.testing.fixtures import eventually
from shared.testing.servers import rabbitmq_vhost
from shared.testing.suite import ROOT, ApiClient, Suite

pytestmark = pytest.mark.integration
PASSWORD = "pass-word-1"


def run_tool(suite: Suite, *args: str) -> subprocess.CompletedProcess:
    env = {**suite.env(), "CRM_RABBITMQ_MANAGEMENT_URL": os.environ.get("CRM_RABBITMQ_MANAGEMENT_URL", ""),
           "LOG_LEVEL": "WARNING"}
    if not env["CRM_RABBITMQ_MANAGEMENT_URL"]:
        env.pop("CRM_RABBITMQ_MANAGEMENT_URL")  # rabbitmqctl then
    return subprocess.run([sys.executable, "-m", "deploy.backup", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def picture(admin: ApiClient, customers: list[str]) -> dict:
    """What a user sees: totals of the lists and every timeline, entry by entry."""
    totals = {path: admin.get(path, params={"per_page": 1}).json()["total"]
              for path in ("/customers", "/contacts", "/documents", "/activities", "/opportunities", "/users")}
    timelines = {cid: [(e["event_id"], e["type"], e["summary_zh"], e["occurred_at"])
                       for e in admin.get("/timeline", params={"customer_id": cid, "per_page": 200}).json()["items"]]
                 for cid in customers}
    return {"totals": totals, "timelines": timelines}


def test_backup_wipe_restore_gives_back_the_same_suite(pg_server, tmp_path):
    tag = uuid.uuid4().hex[:6]
    archive = tmp_path / "crm-backup.tar"
    with rabbitmq_vhost() as amqp:
        suite = Suite(pg_server, amqp, label="backup")
        try:
            suite.start()
            admin = ApiClient.login(suite.url, "admin", suite.admin_password)
            rep = admin.create_user("sales", username=f"bk_rep_{tag}", password=PASSWORD, full_name="备份张三")
            customers = []
            for i in range(3):
                r = rep.post("/customers", json={"name": f"备份测试{tag}机电{i}有限公司"})
                assert r.status_code == 201, r.text
                customers.append(r.json()["id"])
                r = rep.post(f"/customers/{customers[-1]}/contacts", json={"name": f"联系人{i}"})
                assert r.status_code == 201, r.text
                r = rep.post("/opportunities", json={"customer_id": customers[-1], "name": f"年度采购{i}",
                                                     "amount": "5000.00", "stage": "proposal"})
                assert r.status_code == 201, r.text
            doc = rep.post("/documents", files={"file": ("报价单.txt", "含税报价 ¥12,000".encode())},
                           data={"customer_id": customers[0]})
            assert doc.status_code == 201, doc.text

            def settled():
                shot = picture(admin, customers)
                lengths = [len(t) for t in shot["timelines"].values()]
                assert lengths[0] >= 4 and min(lengths) >= 3, lengths  # customer, contact, opportunity (+ document)
                return shot
            eventually(settled, timeout=90)
            time.sleep(2)  # every consumer has caught up
            before = picture(admin, customers)
            suite.stop()

            started = time.monotonic()
            made = run_tool(suite, "create", str(archive))
            assert made.returncode == 0, made.stderr
            backup_s = time.monotonic() - started
            with tarfile.open(archive) as tar:
                manifest = json.load(tar.extractfile("manifest.json"))
                names = set(tar.getnames())
            assert set(manifest["databases"]) == {"gateway", "customer", "sales", "inventory", "billing", "tracking"}
            assert manifest["databases"]["customer"]["counts"]["customers"] >= 3
            assert manifest["documents"]["files"] == 1 and any(n.startswith("documents/") for n in names)
            assert "broker/definitions.json" in names and manifest["broker"]["vhost"]
            verified = run_tool(suite, "verify", str(archive))
            assert verified.returncode == 0, verified.stderr

            # wipe: databases, vhost, documents
            suite.drop_databases()
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", manifest["broker"]["vhost"]], check=True,
                           capture_output=True)
            assert not suite.document_dir.exists()

            started = time.monotonic()
            restored = run_tool(suite, "restore", str(archive))
            assert restored.returncode == 0, restored.stdout + restored.stderr
            restore_s = time.monotonic() - started
            again = run_tool(suite, "restore", str(archive))
            assert again.returncode != 0 and "not empty" in again.stderr  # only onto an empty machine

            suite.start()
            admin = ApiClient.login(suite.url, "admin", suite.admin_password)
            time.sleep(2)  # the replayed outbox rows are published and dropped by the inboxes
            assert picture(admin, customers) == before
            content = admin.get(f"/documents/{doc.json()['id']}/content")
            assert content.status_code == 200 and content.content == "含税报价 ¥12,000".encode()
            rep = ApiClient.login(suite.url, f"bk_rep_{tag}", PASSWORD)
            new = rep.post("/customers", json={"name": f"恢复后新客户{tag}"}).json()
            eventually(lambda: admin.get("/timeline", params={"customer_id": new["id"]}).json().get("items"),
                       timeout=30)
            print(f"\nbackup {archive.stat().st_size} bytes in {backup_s:.1f} s; restore in {restore_s:.1f} s; "
                  f"rows {sum(d['rows'] for d in manifest['databases'].values())}")
        finally:
            suite.stop()
            suite.drop_databases()
