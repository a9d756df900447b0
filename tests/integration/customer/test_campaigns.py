"""Marketing campaigns against real PostgreSQL and a local SMTP server (aiosmtpd): who plans
and reads them, the status flow (409), members added once each and listed only as far as the
caller could see them anyway, a mailing as a background job (progress at /jobs/{id}) with an
unsubscribe link honoured by a later campaign and a bounce recorded on the member and skipped
later, and the return (leads, opportunities from sales' events, won amount, ROI)."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import uuid
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from services.customer.bootstrap import mailing_worker_for, root
from services.customer.handlers import handler_table
from shared.consumer import run_handlers_directly
from shared.envelope import Envelope
from shared.events import sales as sales_events
from shared.identity import IDENTITY_HEADER, sign_public_call
from shared.mail import SmtpServer
from shared.outbox import Outbox
from tests.integration.customer.conftest import outbox_events

pytestmark = pytest.mark.integration

BOUNCING = "nobody@bounce.example.cn"


class _Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() == BOUNCING:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture(scope="module")
def ctx(settings):
    return root.context(settings, kind="consumer")


def _campaign(client, **extra):
    body = {"name": f"工博会{uuid.uuid4().hex[:6]}", "kind": "exhibition", "starts_on": "2027-09-16",
            "ends_on": "2027-09-20", "budget": "50000", **extra}
    r = client.post("/campaigns", json=body)
    assert r.status_code == 201, r.json
    return r.json


def _customer(client, name: str, email_address: str | None = None):
    c = client.post("/customers", json={"name": f"{name}{uuid.uuid4().hex[:6]}有限公司"})
    assert c.status_code == 201, c.json
    contact = client.post(f"/customers/{c.json['id']}/contacts", json={"name": f"{name}联系人", "email": email_address})
    assert contact.status_code in (200, 201), contact.json
    return c.json, contact.json


def _lead(client, email_address: str | None, **extra):
    r = client.post("/leads", json={"name": f"线索{uuid.uuid4().hex[:4]}", "email": email_address, **extra})
    assert r.status_code == 201, r.json
    return r.json


# ---- planning and the status flow --------------------------------------------------------

def test_a_manager_plans_a_campaign_reps_read_it_and_others_may_not(people, engine):
    product_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO products (id, sku, name) VALUES (:i, :s, '数控机床')"),
                     {"i": product_id, "s": f"SKU-{product_id[:8]}"})
    camp = _campaign(people.manager, product_ids=[product_id, product_id], budget=50000)
    assert (camp["status"], camp["budget"], camp["actual_cost"], camp["product_ids"], camp["members"]) == (
        "planned", "50000.00", None, [product_id], 0)
    [event] = outbox_events(engine, "customer.campaign.created", camp["id"])
    assert event["data"]["status"] == "planned" and event["data"]["product_ids"] == [product_id]
    assert people.sales.get(f"/campaigns/{camp['id']}").status_code == 200
    listed = people.sales.get("/campaigns", query_string={"q": camp["name"]}).json
    assert [c["id"] for c in listed["items"]] == [camp["id"]]
    assert people.sales.get("/campaigns", query_string={"product_id": product_id}).json["total"] == 1
    assert people.sales.post("/campaigns", json={"name": "x", "kind": "launch", "starts_on": "2027-01-01",
                                                 "ends_on": "2027-01-02", "budget": "1"}).status_code == 403
    assert people.sales.patch(f"/campaigns/{camp['id']}", json={"actual_cost": "1"}).status_code == 403
    for who in (people.finance, people.warehouse):
        assert who.get(f"/campaigns/{camp['id']}").status_code == 403
        assert who.get("/campaigns").status_code == 403


def test_the_status_flow_and_illegal_moves_are_409(people, engine):
    camp = _campaign(people.admin)
    r = people.manager.patch(f"/campaigns/{camp['id']}", json={"status": "completed"})
    assert r.status_code == 409 and r.json["error"]["code"] == "illegal_status_change"
    assert r.json["error"]["details"]["allowed"] == ["active", "cancelled"]
    assert people.manager.patch(f"/campaigns/{camp['id']}", json={"status": "active"}).json["status"] == "active"
    done = people.manager.patch(f"/campaigns/{camp['id']}", json={"status": "completed", "actual_cost": "61000.5"})
    assert done.status_code == 200 and (done.json["status"], done.json["actual_cost"]) == ("completed", "61000.50")
    assert people.manager.patch(f"/campaigns/{camp['id']}", json={"status": "active"}).status_code == 409
    assert people.manager.patch(f"/campaigns/{camp['id']}", json={"status": "cancelled"}).status_code == 409
    statuses = [e["data"]["status"] for e in outbox_events(engine, "customer.campaign.updated", camp["id"])]
    assert statuses == ["active", "completed"]
    assert people.manager.post(f"/campaigns/{camp['id']}/emails", json={"subject": "s", "body": "b"}).status_code == 409


@pytest.mark.parametrize("body,field", [
    ({"kind": "party"}, "kind"), ({"ends_on": "2027-09-01"}, "ends_on"), ({"budget": "-1"}, "budget"),
    ({"name": " "}, "name"), ({"starts_on": "someday"}, "starts_on"), ({"product_ids": ["nope"]}, "product_ids"),
])
def test_bad_campaigns_are_422(people, body, field):
    base = {"name": "展会", "kind": "exhibition", "starts_on": "2027-09-16", "ends_on": "2027-09-20", "budget": "1"}
    r = people.manager.post("/campaigns", json={**base, **body})
    assert r.status_code == 422 and field in str(r.json["error"]["details"]), r.json


def test_an_unknown_product_is_422_and_unknown_campaigns_404(people, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "0")
    r = people.manager.post("/campaigns", json={"name": "新品发布", "kind": "launch", "starts_on": "2027-01-01",
                                                "ends_on": "2027-01-02", "budget": "1", "product_ids": [str(uuid.uuid4())]})
    assert r.status_code == 422 and "product_ids" in r.json["error"]["details"]
    for path in (f"/campaigns/{uuid.uuid4()}", "/campaigns/not-an-id", f"/campaigns/{uuid.uuid4()}/roi"):
        assert people.manager.get(path).status_code == 404


# ---- members and their visibility ----------------------------------------------------------

def test_members_are_added_once_and_listed_only_as_far_as_the_caller_sees_them(people, engine):
    camp = _campaign(people.manager)
    mine, my_contact = _customer(people.sales, "精工", "buyer@jinggong.example.cn")
    my_lead = _lead(people.sales, "lead@example.cn")
    theirs, _ = _customer(people.other, "恒力")
    body = {"customer_ids": [mine["id"]], "contact_ids": [my_contact["id"]], "lead_ids": [my_lead["id"]]}
    r = people.manager.post(f"/campaigns/{camp['id']}/members", json=body)
    assert r.status_code == 200 and r.json == {"added": 3, "already": 0}
    again = people.manager.post(f"/campaigns/{camp['id']}/members", json=body)
    assert again.json == {"added": 0, "already": 3}
    # the manager does not see the other team's customer: refused, nothing added
    r = people.manager.post(f"/campaigns/{camp['id']}/members", json={"customer_ids": [theirs["id"]]})
    assert r.status_code == 422 and r.json["error"]["code"] == "unknown_members"
    # the admin adds it
    assert people.admin.post(f"/campaigns/{camp['id']}/members",
                             json={"customer_ids": [theirs["id"]]}).json["added"] == 1

    def seen(client, **q):
        r = client.get(f"/campaigns/{camp['id']}/members", query_string=q)
        assert r.status_code == 200, r.json
        return {(m["member_type"], m["member_id"]) for m in r.json["items"]}

    ours = {("customer", mine["id"]), ("contact", my_contact["id"]), ("lead", my_lead["id"])}
    assert seen(people.sales) == ours and seen(people.manager) == ours
    assert seen(people.other) == {("customer", theirs["id"])}
    assert seen(people.manager2) == {("customer", theirs["id"])}
    assert seen(people.admin) == ours | {("customer", theirs["id"])}
    assert seen(people.sales, member_type="lead") == {("lead", my_lead["id"])}
    assert people.sales.get(f"/campaigns/{camp['id']}").json["members"] == 4  # the count is the campaign's
    # membership reaches the customers' timelines (the envelope names the customer)
    added = outbox_events(engine, "customer.campaign.member_added", camp["id"])
    assert len(added) == 4
    by_member = {e["data"]["member_id"]: e for e in added}
    assert by_member[my_contact["id"]]["customer_id"] == mine["id"]
    assert by_member[my_lead["id"]]["customer_id"] is None
    assert by_member[mine["id"]]["data"]["member_name"] == mine["name"]


def test_members_by_the_customer_lists_filters(people):
    camp = _campaign(people.manager)
    tag = uuid.uuid4().hex[:6]
    made = [people.sales.post("/customers", json={"name": f"筛选{tag}客户{i}有限公司", "category": "VIP"}).json
            for i in range(3)]
    r = people.manager.post(f"/campaigns/{camp['id']}/members", json={"customer_filter": {"q": f"筛选{tag}"}})
    assert r.status_code == 200 and r.json["added"] == 3, r.json
    listed = people.sales.get(f"/campaigns/{camp['id']}/members").json
    assert {m["member_id"] for m in listed["items"]} == {c["id"] for c in made}
    bad = people.manager.post(f"/campaigns/{camp['id']}/members", json={"customer_filter": {"colour": "red"}})
    assert bad.status_code == 422
    # the filter reaches only what the caller sees: the other team's manager adds none of them
    assert people.manager2.post(f"/campaigns/{camp['id']}/members",
                                json={"customer_filter": {"q": f"筛选{tag}"}}).json["added"] == 0


# ---- mailings --------------------------------------------------------------------------------

def _send(people, ctx, port, camp_id: str, subject: str) -> dict:
    r = people.manager.post(f"/campaigns/{camp_id}/emails", json={"subject": subject, "body": "诚邀您莅临展位 A12。"})
    assert r.status_code == 202, r.json
    job_id = r.json["job_id"]
    assert people.manager.get(f"/jobs/{job_id}").json["status"] == "queued"
    worker = mailing_worker_for(ctx, smtp=SmtpServer(host="127.0.0.1", port=port, sender="market@crm.test"),
                                rate=50.0, public_url="https://crm.example.cn", batch_size=2)
    while worker.run_once():
        pass
    job = people.manager.get(f"/jobs/{job_id}")
    assert job.status_code == 200 and job.json["kind"] == "mailing", job.json
    assert people.sales.get(f"/jobs/{job_id}").status_code == 404  # the job is its creator's
    return job.json


def test_a_mailing_sends_records_a_bounce_and_a_later_campaign_honours_the_unsubscribe(
        people, ctx, engine, app, settings, smtp_server):
    port, inbox = smtp_server
    tag = uuid.uuid4().hex[:6]
    stays, stays_contact = _customer(people.sales, "留下", f"stays-{tag}@example.cn")
    leaves, leaves_contact = _customer(people.sales, "退订", f"Leaves-{tag}@Example.cn")
    bouncing = _lead(people.sales, BOUNCING)
    no_address = _lead(people.sales, None)
    members = {"customer_ids": [stays["id"]], "contact_ids": [leaves_contact["id"], stays_contact["id"]],
               "lead_ids": [bouncing["id"], no_address["id"]]}
    first = _campaign(people.manager, kind="email")
    assert people.manager.post(f"/campaigns/{first['id']}/members", json=members).json["added"] == 5

    job = _send(people, ctx, port, first["id"], "工博会邀请函")
    # stays@ once (as the customer's contact and as a contact member), leaves@, the bouncing lead
    assert (job["status"], job["total"], job["processed"], job["sent"], job["bounced"], job["skipped"]) == (
        "done", 3, 3, 2, 1, 0), job
    assert job["errors"][0]["code"] == "bounced" and job["errors"][0]["member_id"] == bouncing["id"]
    assert sorted(r[0][0].lower() for r in inbox.messages) == sorted([f"stays-{tag}@example.cn",
                                                                      f"leaves-{tag}@example.cn"])
    raw = next(c for rcpt, c in inbox.messages if rcpt[0].lower().startswith("leaves"))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(msg["Subject"]) == "工博会邀请函" and msg["From"] == "market@crm.test"
    link = re.search(r"https://crm\.example\.cn(/api/v1/campaigns/unsubscribe/\S+)", msg.get_content()).group(1)
    assert msg["List-Unsubscribe"] == f"<https://crm.example.cn{link}>"

    # the bounce is recorded on the member; reached members are marked; the timelines hear of it
    listed = {m["member_id"]: m for m in people.sales.get(f"/campaigns/{first['id']}/members").json["items"]}
    assert listed[bouncing["id"]]["bounced_at"] and "550" in listed[bouncing["id"]]["bounce_reason"]
    assert listed[leaves_contact["id"]]["reached_at"] and not listed[no_address["id"]]["reached_at"]
    sent = outbox_events(engine, "customer.campaign.mail_sent", first["id"])
    assert {e["customer_id"] for e in sent} == {stays["id"], leaves["id"]}
    [bounced] = outbox_events(engine, "customer.campaign.mail_bounced", first["id"])
    assert bounced["customer_id"] is None and "550" in bounced["data"]["reason"]

    # the public link (through the gateway: a signed public call), once or twice: the same
    service_path = urlparse(link).path.removeprefix("/api/v1")
    client = app.test_client()
    for _ in range(2):
        r = client.get(service_path, headers={IDENTITY_HEADER: sign_public_call(settings.internal_secret)})
        assert r.status_code == 200 and r.json["unsubscribed"] is True, r.json
    assert len(outbox_events(engine, "customer.campaign.unsubscribed", first["id"])) == 1
    english = client.get(service_path, query_string={"lang": "en"},
                         headers={IDENTITY_HEADER: sign_public_call(settings.internal_secret)})
    assert english.json["message"].startswith("You have been unsubscribed")
    tampered = service_path[:-3] + ("AAA" if not service_path.endswith("AAA") else "BBB")
    assert client.get(tampered, headers={IDENTITY_HEADER: sign_public_call(settings.internal_secret)}).status_code == 404
    assert client.get(service_path).status_code == 401  # not through the gateway
    listed = {m["member_id"]: m for m in people.sales.get(f"/campaigns/{first['id']}/members").json["items"]}
    assert listed[leaves_contact["id"]]["unsubscribed_at"]

    # a later campaign to the same people: the unsubscribed and the bounced address are skipped
    inbox.messages.clear()
    second = _campaign(people.manager, kind="promotion")
    assert people.manager.post(f"/campaigns/{second['id']}/members", json=members).json["added"] == 5
    job = _send(people, ctx, port, second["id"], "年末促销")
    assert (job["status"], job["total"], job["sent"], job["skipped"], job["bounced"]) == ("done", 3, 1, 2, 0), job
    assert [r[0] for r in inbox.messages] == [[f"stays-{tag}@example.cn"]]


def test_a_mail_server_that_is_down_fails_the_job_with_the_reason(people, ctx):
    camp = _campaign(people.manager)
    _, contact = _customer(people.sales, "宕机", "someone@example.cn")
    people.manager.post(f"/campaigns/{camp['id']}/members", json={"contact_ids": [contact["id"]]})
    job = _send(people, ctx, 1, camp["id"], "邀请")  # nothing listens on port 1
    assert job["status"] == "failed" and "mail server" in job["message"] and job["sent"] == 0


def test_reps_may_not_send_and_a_campaign_without_addresses_is_done_at_once(people):
    camp = _campaign(people.manager)
    assert people.sales.post(f"/campaigns/{camp['id']}/emails", json={"subject": "s", "body": "b"}).status_code == 403
    r = people.manager.post(f"/campaigns/{camp['id']}/emails", json={"subject": "s", "body": "b"})
    assert r.status_code == 202 and (r.json["status"], r.json["total"]) == ("done", 0)
    bad = people.manager.post(f"/campaigns/{camp['id']}/emails", json={"subject": "a\r\nBcc: x@y.cn", "body": "b"})
    assert bad.status_code == 422


# ---- the return ----------------------------------------------------------------------------

def _opportunity_arrives(engine, customer_id: str, campaign_id: str | None, stage: str, amount: str, seq: int = 1,
                         opp_id: str | None = None) -> str:
    opp_id = opp_id or str(uuid.uuid4())
    data = {**sales_events._OPPORTUNITY, "id": opp_id, "customer_id": customer_id, "campaign_id": campaign_id,
            "stage": stage, "amount": amount}
    env = Envelope(event_type="sales.opportunity.updated", aggregate_type="opportunity", aggregate_id=opp_id,
                   aggregate_seq=seq, data=data, producer="sales", region="cn-east", customer_id=customer_id)
    run_handlers_directly(engine, handler_table(), Outbox("customer", "cn-east"), [env])
    return opp_id


def test_the_return_counts_leads_opportunities_and_the_won_amount(people, engine):
    camp = _campaign(people.manager, budget="40000")
    other = _campaign(people.manager)
    customer, _ = _customer(people.sales, "回报")
    lead = _lead(people.sales, None, campaign_id=camp["id"])
    assert lead["campaign_id"] == camp["id"]
    assert people.sales.get("/leads", query_string={"campaign_id": camp["id"]}).json["total"] == 1
    assert people.sales.post("/leads", json={"name": "x", "campaign_id": str(uuid.uuid4())}).status_code == 422
    won = _opportunity_arrives(engine, customer["id"], camp["id"], "proposal", "90000.00")
    _opportunity_arrives(engine, customer["id"], camp["id"], "won", "100000.00", seq=2, opp_id=won)
    _opportunity_arrives(engine, customer["id"], camp["id"], "won", "999.00", seq=1, opp_id=won)  # older: ignored
    _opportunity_arrives(engine, customer["id"], camp["id"], "negotiation", "30000.00")
    _opportunity_arrives(engine, customer["id"], other["id"], "won", "5000.00")
    _opportunity_arrives(engine, customer["id"], None, "won", "7000.00")  # names no campaign: not kept
    roi = people.sales.get(f"/campaigns/{camp['id']}/roi")
    assert roi.status_code == 200
    assert roi.json == {"members": 0, "reached": 0, "leads": 1, "opportunities": 2, "won_amount": "100000.00",
                        "budget": "40000.00", "actual_cost": None, "roi": "150.00"}
    people.manager.patch(f"/campaigns/{camp['id']}", json={"actual_cost": "50000"})
    assert people.sales.get(f"/campaigns/{camp['id']}/roi").json["roi"] == "100.00"
    # an opportunity moved off the campaign no longer counts
    _opportunity_arrives(engine, customer["id"], None, "won", "100000.00", seq=3, opp_id=won)
    got = people.sales.get(f"/campaigns/{camp['id']}/roi").json
    assert (got["opportunities"], got["won_amount"], got["roi"]) == (1, "0.00", "-100.00")
    assert people.finance.get(f"/campaigns/{camp['id']}/roi").status_code == 403


def test_a_merge_takes_the_duplicates_members_along_and_its_undo_brings_them_back(people, engine):
    camp = _campaign(people.manager)
    keep, _ = _customer(people.sales, "合并保留")
    dup, dup_contact = _customer(people.sales, "合并重复", "dup@example.cn")
    people.manager.post(f"/campaigns/{camp['id']}/members", json={"contact_ids": [dup_contact["id"]]})
    merged = people.sales.post(f"/customers/{keep['id']}/merge", json={"duplicate_id": dup["id"]})
    assert merged.status_code == 200, merged.json

    def member_customer():
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT customer_id FROM campaign_members WHERE campaign_id = :c"),
                                {"c": camp["id"]}).scalar_one()

    assert member_customer() == keep["id"]
    listed = people.sales.get(f"/campaigns/{camp['id']}/members").json["items"]
    assert [(m["member_id"], m["customer_id"]) for m in listed] == [(dup_contact["id"], keep["id"])]
    assert people.sales.post(f"/merges/{merged.json['merge_id']}/undo").status_code == 200
    assert member_customer() == dup["id"]


def test_list_filters(people):
    camp = _campaign(people.manager, kind="clearance", starts_on="2028-03-01", ends_on="2028-03-31")
    got = people.sales.get("/campaigns", query_string={"kind": "clearance", "active_on": "2028-03-15"}).json
    assert camp["id"] in {c["id"] for c in got["items"]}
    assert camp["id"] not in {c["id"] for c in people.sales.get(
        "/campaigns", query_string={"active_on": "2028-04-01", "per_page": 200}).json["items"]}
    assert camp["id"] not in {c["id"] for c in people.sales.get(
        "/campaigns", query_string={"status": "active", "per_page": 200}).json["items"]}
    for bad in ({"kind": "party"}, {"status": "done"}, {"active_on": "soon"}, {"product_id": "x"}, {"per_page": 500}):
        r = people.sales.get("/campaigns", query_string=bad)
        assert r.status_code == 422, (bad, r.json)
    assert people.sales.get(f"/campaigns/{camp['id']}/members", query_string={"member_type": "x"}).status_code == 422
