"""Customer projects in SQL and their commands: create, edit (draft or rejected), submit the
立项 application, approve / reject it. Each writes its event to the outbox in the caller's
transaction (sales.project.*: the customer's timeline, the managers' notifications, the
documents' and billing's copies)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.sales.domain import projects as rules
from services.sales.models import opportunities, project_number_seq, projects, quotes
from services.sales.ordering import number_expr
from services.sales.orders_store import Emit
from shared.errors import Conflict, Forbidden
from shared.identity import Principal
from shared.money import fmt
from shared.visibility import is_manager_of


def _money(value: Any) -> str | None:
    return None if value is None else fmt(value)


def snapshot(row: dict[str, Any]) -> dict[str, Any]:
    """What every sales.project.* event carries (shared/events/sales.py ProjectSnapshot)."""
    return {
        "id": row["id"], "number": row["number"], "customer_id": row["customer_id"], "owner_id": row["owner_id"],
        "name": row["name"], "status": row["status"], "estimated_amount": _money(row["estimated_amount"]),
        "budget": _money(row["budget"]),
        "competitor_names": [c["name"] for c in row["competitors"] or [] if c.get("name")],
        "note": row["submit_note"], "comment": row["decision_comment"],
        "created_at": row["created_at"].isoformat(),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def view(row: dict[str, Any]) -> dict[str, Any]:
    """The API's project."""
    return {
        "id": row["id"], "number": row["number"], "customer_id": row["customer_id"], "owner_id": row["owner_id"],
        "created_by": row["created_by"], "name": row["name"], "description": row["description"],
        "estimated_amount": _money(row["estimated_amount"]), "budget": _money(row["budget"]),
        "competitors": list(row["competitors"] or []), "contacts": list(row["contacts"] or []),
        "status": row["status"], "submit_note": row["submit_note"], "submitted_at": _iso(row["submitted_at"]),
        "decided_by": row["decided_by"], "decided_at": _iso(row["decided_at"]),
        "decision_comment": row["decision_comment"],
        "created_at": row["created_at"].isoformat(), "updated_at": row["updated_at"].isoformat(),
    }


def load(conn: Connection, project_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    query = sa.select(projects).where(projects.c.id == project_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def project_opportunities(project_id: str) -> sa.Select:
    """The ids of the opportunities of a project (quotes and orders belong to a project
    through their opportunity: the filters `project_id` of /quotes and /orders)."""
    return sa.select(opportunities.c.id).where(opportunities.c.project_id == project_id)


def project_quotes(project_id: str) -> sa.Select:
    return sa.select(quotes.c.id).where(quotes.c.opportunity_id.in_(project_opportunities(project_id)))


def publish(emit: Emit, event_type: str, row: dict[str, Any]) -> None:
    emit(event_type, aggregate_type="project", aggregate_id=row["id"], data=snapshot(row),
         customer_id=row["customer_id"])


def _write(conn: Connection, row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    changes["updated_at"] = datetime.now(UTC)
    conn.execute(sa.update(projects).where(projects.c.id == row["id"]).values(**changes))
    return {**row, **changes}


def _illegal(exc: rules.IllegalTransition) -> Conflict:
    return Conflict(str(exc), code="illegal_transition", details={"status": exc.status, "action": exc.action})


def create_project(conn: Connection, emit: Emit, *, customer_id: str, owner_id: str, created_by: str,
                   fields: dict[str, Any]) -> dict[str, Any]:
    """A draft project (sales.project.created); fields: name, description, estimated_amount,
    budget, competitors, contacts."""
    now = datetime.now(UTC)
    row = {"id": str(uuid.uuid4()), "customer_id": customer_id, "owner_id": owner_id, "created_by": created_by,
           "status": rules.DRAFT, "submit_note": None, "submitted_at": None, "decided_by": None,
           "decided_at": None, "decision_comment": None, "created_at": now, "updated_at": now,
           "description": None, "estimated_amount": None, "budget": None, "competitors": [], "contacts": [],
           **fields}
    number = conn.execute(sa.insert(projects).values(number=number_expr("PJ", project_number_seq), **row)
                          .returning(projects.c.number)).scalar_one()
    row["number"] = number
    publish(emit, "sales.project.created", row)
    return row


def edit_project(conn: Connection, emit: Emit, row: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Change a draft or rejected project (409 otherwise); sales.project.updated."""
    try:
        rules.check_editable(row["status"])
    except rules.IllegalTransition as exc:
        raise _illegal(exc) from None
    row = _write(conn, row, **changes)
    publish(emit, "sales.project.updated", row)
    return row


def submit_project(conn: Connection, emit: Emit, row: dict[str, Any], note: str | None) -> dict[str, Any]:
    """The 立项 application: draft / rejected -> pending_approval with the applicant's note
    (the last decision's comment is cleared); sales.project.submitted tells the managers."""
    try:
        status = rules.next_status(row["status"], "submit")
    except rules.IllegalTransition as exc:
        raise _illegal(exc) from None
    row = _write(conn, row, status=status, submit_note=note, submitted_at=datetime.now(UTC), decided_by=None,
                 decided_at=None, decision_comment=None)
    publish(emit, "sales.project.submitted", row)
    return row


def check_approver(conn: Connection, p: Principal, row: dict[str, Any]) -> None:
    """403 unless the caller is a manager above the owner or an admin, and neither owns nor
    wrote the project."""
    manages_owner = p.role == "manager" and is_manager_of(conn, p.user_id, row["owner_id"])
    refusal = rules.approval_refusal(p.role, p.user_id, [row["owner_id"], row["created_by"]], manages_owner)
    if refusal:
        raise Forbidden(refusal, details={"approver": [refusal]})


def decide_project(conn: Connection, emit: Emit, p: Principal, row: dict[str, Any], action: str,
                   comment: str | None) -> dict[str, Any]:
    """approve / reject an application: pending_approval -> approved / rejected with the
    approver's comment (which ends the timeline's line); sales.project.approved / rejected."""
    check_approver(conn, p, row)
    try:
        status = rules.next_status(row["status"], action)
    except rules.IllegalTransition as exc:
        raise _illegal(exc) from None
    row = _write(conn, row, status=status, decided_by=p.user_id, decided_at=datetime.now(UTC),
                 decision_comment=comment)
    publish(emit, f"sales.project.{status}", row)
    return row
