"""Opportunities in SQL: snapshot/view, writing with the event, and the converted
lead's opportunity (created once, with the id the customer service chose)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.sales import stage_history
from services.sales.config import SalesConfig
from services.sales.domain.money import weighted
from services.sales.models import opportunities
from services.sales.orders_store import Emit
from shared.money import BadAmount, cents, fmt, to_decimal


def snapshot(row: dict[str, Any]) -> dict[str, Any]:
    close = row["expected_close_date"]
    return {
        "id": row["id"], "customer_id": row["customer_id"], "owner_id": row["owner_id"],
        "lead_id": row["lead_id"], "name": row["name"], "amount": fmt(row["amount"]),
        "stage": row["stage"], "probability": row["probability"],
        "expected_close_date": close.isoformat() if close else None,
        "next_step": row["next_step"], "lost_reason": row["lost_reason"], "project_id": row.get("project_id"),
        "competitor_ids": list(row.get("competitor_ids") or []),
        "lost_to_competitor_id": row.get("lost_to_competitor_id"),
        "created_at": row["created_at"].isoformat(),
        "source": row.get("source"),
        "budget": fmt(row["budget"]) if row.get("budget") is not None else None,
    }


def view(row: dict[str, Any]) -> dict[str, Any]:
    out = snapshot(row)
    out["competitors"] = list(row["competitors"] or [])
    out["weighted_amount"] = fmt(weighted(row["amount"], row["probability"]))
    out["updated_at"] = row["updated_at"].isoformat()
    return out


def load(conn: Connection, opp_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    query = sa.select(opportunities).where(opportunities.c.id == opp_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def publish(emit: Emit, event_type: str, row: dict[str, Any]) -> None:
    emit(event_type, aggregate_type="opportunity", aggregate_id=row["id"], data=snapshot(row),
         customer_id=row["customer_id"])


def insert(conn: Connection, emit: Emit, values: dict[str, Any], *, by: str | None = None) -> dict[str, Any] | None:
    """Insert unless the id exists; the row and sales.opportunity.created, or None. The first
    line of its stage history names `by` (who created it)."""
    now = datetime.now(UTC)
    inserted = conn.execute(
        pg_insert(opportunities).values(created_at=now, updated_at=now, **values)
        .on_conflict_do_nothing(index_elements=[opportunities.c.id]).returning(opportunities.c.id)
    ).first()
    if inserted is None:
        return None
    row = load(conn, values["id"])
    assert row is not None
    stage_history.record(conn, row["id"], None, row["stage"], by, now)
    publish(emit, "sales.opportunity.created", row)
    return row


def create_from_lead(conn: Connection, emit: Emit, data: dict[str, Any], *,
                     by: str | None = None) -> dict[str, Any] | None:
    """The opportunity a lead conversion asked for; a replay finds it there and does nothing."""
    opp = data["opportunity"]
    try:
        amount = to_decimal(opp.get("amount") or "0")
    except BadAmount:
        amount = to_decimal("0")
    try:
        close = date.fromisoformat(opp["expected_close_date"]) if opp.get("expected_close_date") else None
    except ValueError:
        close = None
    stage = "qualification"
    return insert(conn, emit, {
        "id": opp["id"], "customer_id": data["customer_id"], "owner_id": data["owner_id"],
        "lead_id": data["lead_id"], "name": opp["name"][:300], "amount": cents(max(amount, to_decimal("0"))),
        "stage": stage, "probability": SalesConfig().stage_probabilities[stage],
        "expected_close_date": close, "competitors": [], "competitor_ids": [],
    }, by=by)


OPEN_STAGES_EXCLUDED = ("won", "lost")


def move_open_opportunities(conn: Connection, emit: Emit, from_user_id: str, to_user_id: str) -> int:
    """Every open (not won, not lost) opportunity of from_user_id to to_user_id, each with its
    sales.opportunity.updated (a rep's hand-over, issue 16). Returns how many moved."""
    ids = conn.execute(
        sa.update(opportunities)
        .where(opportunities.c.owner_id == from_user_id, opportunities.c.stage.not_in(OPEN_STAGES_EXCLUDED))
        .values(owner_id=to_user_id, updated_at=datetime.now(UTC)).returning(opportunities.c.id)).scalars().all()
    for opp_id in sorted(ids):
        row = load(conn, opp_id)
        assert row is not None
        publish(emit, "sales.opportunity.updated", row)
    return len(ids)
