"""Marketing campaigns through the gateway (issue 16): a manager plans a campaign, a rep's
lead names it, the manager adds the rep's contact and lead as members (the rep sees them,
another team does not), mails them (the job's progress at /jobs/{id}; the message reaches a
local SMTP server with its unsubscribe link, which works without logging in), the mail and
the membership reach the customer's timeline, an opportunity naming the campaign (sales'
copy of campaigns) is won and the campaign's return shows it."""

from __future__ import annotations

import email
import email.policy
import re
import uuid

import pytest
import requests
from aiosmtpd.controller import Controller

from shared.testing.fixtures import eventually

pytestmark = pytest.mark.e2e


class _Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp(suite):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=suite.smtp_port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture(scope="module")
def team(admin):
    manager = admin.create_user("manager")
    other_manager = admin.create_user("manager")
    return {"manager": manager, "rep": admin.create_user("sales", manager_id=manager.user["id"]),
            "other": admin.create_user("sales", manager_id=other_manager.user["id"])}


def _timeline_types(client, customer_id: str) -> list[str]:
    return [e["type"] for e in client.get("/timeline", params={"customer_id": customer_id}).json().get("items", [])]


def test_campaign_members_mail_unsubscribe_and_return(suite, team, smtp):
    manager, rep, other = team["manager"], team["rep"], team["other"]
    tag = uuid.uuid4().hex[:8]
    r = manager.post("/campaigns", json={"name": f"工博会 {tag}", "kind": "exhibition", "starts_on": "2027-09-16",
                                         "ends_on": "2027-09-20", "budget": "40000"})
    assert r.status_code == 201, r.text
    camp = r.json()
    assert rep.post("/campaigns", json={"name": "x", "kind": "email", "starts_on": "2027-01-01",
                                        "ends_on": "2027-01-01", "budget": "1"}).status_code == 403

    customer = rep.post("/customers", json={"name": f"活动客户 {tag}"}).json()
    contact = rep.post(f"/customers/{customer['id']}/contacts",
                       json={"name": "王经理", "email": f"wang-{tag}@example.cn"}).json()
    lead = rep.post("/leads", json={"name": "展会来访", "email": f"visitor-{tag}@example.cn",
                                    "campaign_id": camp["id"]})
    assert lead.status_code == 201 and lead.json()["campaign_id"] == camp["id"], lead.text
    added = manager.post(f"/campaigns/{camp['id']}/members",
                         json={"contact_ids": [contact["id"]], "lead_ids": [lead.json()["id"]]})
    assert added.status_code == 200 and added.json()["added"] == 2, added.text
    assert manager.post(f"/campaigns/{camp['id']}/members",
                        json={"contact_ids": [contact["id"]]}).json()["added"] == 0
    assert rep.get(f"/campaigns/{camp['id']}/members").json()["total"] == 2
    assert other.get(f"/campaigns/{camp['id']}/members").json()["total"] == 0

    sent = manager.post(f"/campaigns/{camp['id']}/emails", json={"subject": f"邀请函 {tag}", "body": "诚邀莅临"})
    assert sent.status_code == 202, sent.text
    job_id = sent.json()["job_id"]
    job = eventually(lambda: (j := manager.get(f"/jobs/{job_id}").json())["status"] in ("done", "failed") and j,
                     timeout=30)
    assert (job["status"], job["total"], job["processed"], job["sent"]) == ("done", 2, 2, 2), job
    mine = [raw for rcpt, raw in smtp.messages if rcpt == [f"wang-{tag}@example.cn"]]
    assert len(mine) == 1
    msg = email.message_from_bytes(mine[0], policy=email.policy.default)
    link = re.search(r"(http://127\.0\.0\.1:\d+/api/v1/campaigns/unsubscribe/[A-Za-z0-9_\-.]+)",
                     msg.get_content()).group(1)
    assert link.startswith(suite.url) and msg["List-Unsubscribe"] == f"<{link}>"
    answer = requests.get(link, timeout=10)  # no login: the signed token is the credential
    assert answer.status_code == 200 and answer.json()["unsubscribed"] is True, answer.text
    assert requests.get(link[:-2] + "xx", timeout=10).status_code in (401, 404)

    # the membership and the mail are on the customer's timeline
    eventually(lambda: {"customer.campaign.member_added", "customer.campaign.mail_sent"}
               <= set(_timeline_types(rep, customer["id"])), timeout=30)

    # an opportunity naming the campaign (sales' copy is waited for), won: the return
    opp = rep.post("/opportunities", json={"customer_id": customer["id"], "name": "展会订单", "amount": "100000.00",
                                           "stage": "negotiation", "campaign_id": camp["id"]})
    assert opp.status_code == 201 and opp.json()["campaign_id"] == camp["id"], opp.text
    assert rep.patch(f"/opportunities/{opp.json()['id']}", json={"stage": "won"}).status_code == 200
    bad = rep.post("/opportunities", json={"customer_id": customer["id"], "name": "x", "amount": "1.00",
                                           "stage": "proposal", "campaign_id": str(uuid.uuid4())})
    assert bad.status_code == 422 and "campaign_id" in bad.json()["error"]["details"]
    roi = eventually(lambda: (v := rep.get(f"/campaigns/{camp['id']}/roi").json())["won_amount"] == "100000.00"
                     and v, timeout=30)
    assert roi == {"members": 2, "reached": 2, "leads": 1, "opportunities": 1, "won_amount": "100000.00",
                   "budget": "40000.00", "actual_cost": None, "roi": "150.00"}
