"""Campaign mailings (issue 16): queue one (POST /campaigns/{id}/emails; the recipients are
fixed here, in the request's transaction, and sent by services/customer/mail_worker.py) and
record an unsubscribe (the public link each message carries).

Recipients: a contact member's e-mail; a customer member's contacts' e-mails (customers
have no address of their own); a lead member's e-mail. Each address once per mailing
(lowered). Addresses that unsubscribed or bounced hard are skipped when the worker reaches
them, so an unsubscribe between queueing and sending is honoured too."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.customer.commands.campaigns import load_campaign, require_editor
from services.customer.domain import campaigns as rules
from services.customer.models import (
    campaign_mailings,
    campaign_members,
    campaigns,
    email_suppressions,
)
from shared.errors import Conflict, NotFound
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext

_RECIPIENTS = sa.text("""
WITH found AS (
    SELECT m.member_type, m.member_id, m.customer_id, c.email, 1 AS rank
    FROM campaign_members m JOIN contacts c ON c.id = m.member_id
    JOIN customers cu ON cu.id = c.customer_id AND cu.deleted_at IS NULL
    WHERE m.campaign_id = :campaign AND m.member_type = 'contact'
    UNION ALL
    SELECT m.member_type, m.member_id, m.customer_id, c.email, 2
    FROM campaign_members m JOIN contacts c ON c.customer_id = m.member_id
    JOIN customers cu ON cu.id = m.member_id AND cu.deleted_at IS NULL
    WHERE m.campaign_id = :campaign AND m.member_type = 'customer'
    UNION ALL
    SELECT m.member_type, m.member_id, NULL, l.email, 3
    FROM campaign_members m JOIN leads l ON l.id = m.member_id
    WHERE m.campaign_id = :campaign AND m.member_type = 'lead'
), once AS (
    SELECT DISTINCT ON (lower(trim(email))) member_type, member_id, customer_id, trim(email) AS email
    FROM found WHERE email IS NOT NULL AND trim(email) <> ''
    ORDER BY lower(trim(email)), rank, member_id
)
INSERT INTO campaign_mail_recipients (mailing_id, seq, member_type, member_id, customer_id, email)
SELECT :mailing, row_number() OVER (ORDER BY member_type, member_id, email), member_type, member_id, customer_id, email
FROM once
""")


def mail_rate() -> float:
    """CRM_CAMPAIGN_MAIL_RATE: messages per second a mailing sends at most (default 5)."""
    try:
        return max(0.1, float(os.environ.get("CRM_CAMPAIGN_MAIL_RATE") or 5))
    except ValueError:
        return 5.0


def public_url() -> str:
    """CRM_PUBLIC_URL: where recipients reach the gateway (the unsubscribe links)."""
    return (os.environ.get("CRM_PUBLIC_URL") or "http://127.0.0.1:8080").rstrip("/")


def queue_mailing(ctx: ServiceContext, p: Principal, campaign_id: str, body: Mapping[str, Any],
                  correlation_id: str | None) -> dict[str, Any]:
    """The queued job {job_id, status, total}; 409 for a finished campaign."""
    require_editor(p)
    job_id = str(uuid.uuid4())
    with ctx.engine.begin() as conn:
        campaign = load_campaign(conn, campaign_id, for_update=True)
        if not rules.may_mail(campaign.status):
            raise Conflict(f"a {campaign.status} campaign sends no mail", code="campaign_closed",
                           details={"status": campaign.status})
        conn.execute(campaign_mailings.insert().values(
            id=job_id, campaign_id=campaign.id, subject=body["subject"].strip(), body=body["body"],
            created_by=p.user_id, correlation_id=correlation_id, status="queued"))
        total = conn.execute(_RECIPIENTS, {"campaign": campaign.id, "mailing": job_id}).rowcount
        done = total == 0
        conn.execute(campaign_mailings.update().where(campaign_mailings.c.id == job_id).values(
            total=total, status="done" if done else "queued", finished_at=sa.func.now() if done else None))
    return {"job_id": job_id, "id": job_id, "status": "done" if done else "queued", "total": total}


def unsubscribe(ctx: ServiceContext, token: str) -> dict[str, Any]:
    """Record that the token's address takes no more campaign mail (idempotent); the
    campaign's members with that address are marked. 404 for a token not ours."""
    try:
        address, campaign_id = rules.read_unsubscribe_token(ctx.settings.internal_secret, token)
    except rules.BadToken:
        raise NotFound("unknown unsubscribe link") from None
    key = rules.email_key(address)
    events = EventContext(actor_id=None, correlation_id=str(uuid.uuid4()))
    with ctx.transaction(events) as (conn, emit):
        campaign = conn.execute(sa.select(campaigns.c.id, campaigns.c.name)
                                .where(campaigns.c.id == campaign_id)).first()
        inserted = conn.execute(
            pg_insert(email_suppressions).values(email_key=key, reason="unsubscribed", campaign_id=campaign_id)
            .on_conflict_do_update(index_elements=["email_key"], set_={"reason": "unsubscribed"},
                                   where=email_suppressions.c.reason != "unsubscribed")
            .returning(email_suppressions.c.email_key)).first()
        conn.execute(sa.text(
            "UPDATE campaign_members m SET unsubscribed_at = now() FROM campaign_mail_recipients r "
            "JOIN campaign_mailings j ON j.id = r.mailing_id "
            "WHERE j.campaign_id = :c AND m.campaign_id = :c AND m.member_type = r.member_type "
            "AND m.member_id = r.member_id AND lower(r.email) = :e AND m.unsubscribed_at IS NULL"),
            {"c": campaign_id, "e": key})
        if inserted is not None and campaign is not None:
            emit("customer.campaign.unsubscribed", aggregate_type="campaign", aggregate_id=campaign.id,
                 data={"campaign_id": campaign.id, "campaign_name": campaign.name})
    return {"unsubscribed": True}


def member_counts(conn: sa.Connection, campaign_id: str) -> dict[str, int]:
    row = conn.execute(sa.select(
        sa.func.count(), sa.func.count(campaign_members.c.reached_at)).where(
        campaign_members.c.campaign_id == campaign_id)).one()
    return {"members": row[0], "reached": row[1]}
