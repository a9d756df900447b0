"""Campaign commands (issue 16): plan a campaign, change it (its status moves by
domain.campaigns.move; 409 otherwise), add members. Sales managers and admins plan and
run campaigns; reps read them. Each write emits customer.campaign.* (sales keeps a copy:
opportunities name campaigns); each member added emits customer.campaign.member_added,
which reaches the member's customer's timeline.

Members: a caller adds only customers, contacts and leads they see (422 naming the ids
otherwise); a member already there is not added twice. Who sees a member is decided when
the list is read (services/customer/api/campaigns.py: member_clause)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Row

from services.customer.access import customer_clause
from services.customer.domain import campaigns as rules
from services.customer.models import (
    campaign_members,
    campaigns,
    contacts,
    customers,
    leads,
    products,
)
from shared.copies import CopyMissing
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.identity import Principal
from shared.money import fmt
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext
from shared.visibility import owner_filter

FIELDS = ("name", "kind", "starts_on", "ends_on", "budget", "actual_cost", "product_ids", "description")
MAX_MEMBERS_PER_CALL = 5000


def snapshot(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "kind": row.kind, "status": row.status,
            "starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat(), "budget": fmt(row.budget),
            "actual_cost": fmt(row.actual_cost) if row.actual_cost is not None else None,
            "product_ids": list(row.product_ids or [])}


def require_reader(p: Principal) -> None:
    if not rules.may_read(p.role):
        raise Forbidden("campaigns are for sales users, managers and admins")


def require_editor(p: Principal) -> None:
    if not rules.may_edit(p.role):
        raise Forbidden("only sales managers and admins plan and change campaigns")


def load_campaign(conn: Connection, campaign_id: str, *, for_update: bool = False) -> Row:
    query = sa.select(campaigns).where(campaigns.c.id == campaign_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound("campaign not found")
    return row


def require_campaign(conn: Connection, campaign_id: str | None) -> str | None:
    """A campaign a lead names: 422 when there is none of that id."""
    if campaign_id is None:
        return None
    if conn.execute(sa.select(campaigns.c.id).where(campaigns.c.id == campaign_id)).first() is None:
        raise ValidationFailed("unknown campaign", details={"campaign_id": ["no such campaign"]})
    return campaign_id


def require_products(conn: Connection, product_ids: list[str]) -> list[str]:
    """The ids, each once; 422 for one the product copy does not know (waited for a moment)."""
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return ids
    known = set(conn.execute(sa.select(products.c.id).where(products.c.id.in_(ids))).scalars())
    absent = [i for i in ids if i not in known]
    if absent:
        unknown = ValidationFailed("unknown product", details={"product_ids": ["no such product"]})
        raise CopyMissing(unknown, *(("products", i) for i in absent))
    return ids


def _emit(emit: Emitter, event_type: str, row: Any) -> None:
    emit(event_type, aggregate_type="campaign", aggregate_id=row.id, data=snapshot(row))


def create_campaign(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any]) -> Row:
    require_editor(p)
    errors = rules.check_dates(body["starts_on"], body["ends_on"])
    if errors:
        raise ValidationFailed("invalid campaign", details=errors)
    with ctx.transaction(events) as (conn, emit):
        product_ids = require_products(conn, body.get("product_ids") or [])
        row = conn.execute(campaigns.insert().values(
            id=str(uuid.uuid4()), name=body["name"].strip(), kind=body["kind"], status="planned",
            starts_on=body["starts_on"], ends_on=body["ends_on"], budget=body["budget"],
            actual_cost=body.get("actual_cost"), product_ids=product_ids, description=body.get("description"),
            created_by=p.user_id).returning(*campaigns.c)).one()
        _emit(emit, "customer.campaign.created", row)
    return row


def update_campaign(ctx: ServiceContext, events: EventContext, p: Principal, campaign_id: str,
                    body: Mapping[str, Any]) -> Row:
    """409 illegal_status_change for a move the flow does not have; a finished campaign
    (completed, cancelled) still takes its actual cost."""
    require_editor(p)
    with ctx.transaction(events) as (conn, emit):
        row = load_campaign(conn, campaign_id, for_update=True)
        changes: dict[str, Any] = {k: body[k] for k in FIELDS if k in body}
        if "status" in body:
            try:
                changes["status"] = rules.move(row.status, body["status"])
            except rules.IllegalMove as exc:
                raise Conflict(str(exc), code="illegal_status_change",
                               details={"status": row.status, "allowed": list(rules.MOVES[row.status])}) from None
        if "name" in changes:
            changes["name"] = changes["name"].strip()
        errors = rules.check_dates(changes.get("starts_on", row.starts_on), changes.get("ends_on", row.ends_on))
        if errors:
            raise ValidationFailed("invalid campaign", details=errors)
        if "product_ids" in changes:
            changes["product_ids"] = require_products(conn, changes["product_ids"] or [])
        row = conn.execute(campaigns.update().where(campaigns.c.id == row.id)
                           .values(**changes, updated_at=sa.func.now()).returning(*campaigns.c)).one()
        _emit(emit, "customer.campaign.updated", row)
    return row


# ---- members -----------------------------------------------------------------------------

def member_clause(conn: Connection, p: Principal) -> sa.ColumnElement:
    """The members the caller may see: customers and contacts of customers they see (read
    access counts), leads whose owner they see."""
    visible_leads = sa.select(leads.c.id).where(owner_filter(conn, p, leads.c.owner_id, "customer"))
    return sa.or_(
        sa.and_(campaign_members.c.member_type.in_(("customer", "contact")),
                customer_clause(conn, p, campaign_members.c.customer_id, read=True)),
        sa.and_(campaign_members.c.member_type == "lead", campaign_members.c.member_id.in_(visible_leads)),
    )


def _visible(conn: Connection, p: Principal, kind: str, ids: list[str]) -> dict[str, tuple[str | None, str]]:
    """id -> (customer_id, name) of the wanted records the caller sees (deleted customers are not)."""
    if not ids:
        return {}
    if kind == "customer":
        query = (sa.select(customers.c.id, customers.c.id, customers.c.name)
                 .where(customers.c.id.in_(ids), customers.c.deleted_at.is_(None),
                        customer_clause(conn, p, customers.c.id, customers.c.owner_id, read=True)))
    elif kind == "contact":
        query = (sa.select(contacts.c.id, contacts.c.customer_id, contacts.c.name)
                 .join(customers, customers.c.id == contacts.c.customer_id)
                 .where(contacts.c.id.in_(ids), customers.c.deleted_at.is_(None),
                        customer_clause(conn, p, customers.c.id, customers.c.owner_id, read=True)))
    else:
        query = (sa.select(leads.c.id, sa.null(), leads.c.name)
                 .where(leads.c.id.in_(ids), owner_filter(conn, p, leads.c.owner_id, "customer")))
    return {r[0]: (r[1], r[2]) for r in conn.execute(query)}


FIELD_OF = {"customer": "customer_ids", "contact": "contact_ids", "lead": "lead_ids"}


def add_members(ctx: ServiceContext, events: EventContext, p: Principal, campaign_id: str,
                wanted: Mapping[str, list[str]]) -> dict[str, Any]:
    """wanted: member type -> ids. {"added": n, "already": m}; 422 naming the ids the caller
    does not see (nothing is added then); 409 for a finished campaign."""
    require_editor(p)
    with ctx.transaction(events) as (conn, emit):
        campaign = load_campaign(conn, campaign_id, for_update=True)
        if campaign.status in ("completed", "cancelled"):
            raise Conflict(f"a {campaign.status} campaign takes no more members", code="campaign_closed",
                           details={"status": campaign.status})
        found: dict[str, dict[str, tuple[str | None, str]]] = {}
        errors: dict[str, list[str]] = {}
        for kind, ids in wanted.items():
            ids = list(dict.fromkeys(ids))
            found[kind] = _visible(conn, p, kind, ids)
            missing = [i for i in ids if i not in found[kind]]
            if missing:
                errors[FIELD_OF[kind]] = [f"not found: {i}" for i in missing[:20]]
        if errors:
            raise ValidationFailed("unknown members", code="unknown_members", details=errors)
        rows = [{"campaign_id": campaign.id, "member_type": kind, "member_id": mid, "customer_id": cid,
                 "added_by": p.user_id} for kind, got in found.items() for mid, (cid, _name) in got.items()]
        added: list[Any] = []
        if rows:
            added = conn.execute(pg_insert(campaign_members).values(rows).on_conflict_do_nothing()
                                 .returning(campaign_members.c.member_type, campaign_members.c.member_id,
                                            campaign_members.c.customer_id)).all()
        for kind, mid, cid in added:
            emit("customer.campaign.member_added", aggregate_type="campaign", aggregate_id=campaign.id,
                 customer_id=cid, data={"campaign_id": campaign.id, "campaign_name": campaign.name,
                                        "member_type": kind, "member_id": mid, "customer_id": cid,
                                        "member_name": found[kind][mid][1]})
    return {"added": len(added), "already": len(rows) - len(added)}
