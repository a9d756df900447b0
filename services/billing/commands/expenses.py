"""Expense claim commands: submit, and the steps of its life (approve / reject by the
submitter's manager or an admin, pay by finance after approval)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.billing import store
from services.billing.api.common import DOMAIN, check_customer, expense_event, visible_order
from services.billing.domain.expenses import check_incurred_on, check_may_act, next_status
from services.billing.models import expenses
from shared.copies import CopyMissing
from shared.envelope import new_id
from shared.errors import NotFound, ValidationFailed
from shared.identity import Principal
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext
from shared.visibility import can_see_customer, is_manager_of, visible_user_ids

SEE_ALL_EXPENSES = frozenset({"admin", "finance"})
# action -> the event it publishes
ACTIONS = {"approve": "approved", "reject": "rejected", "pay": "paid"}


def expense_scope(conn: Connection, p: Principal) -> sa.ColumnElement:
    """Whose claims the caller sees: all (finance, admin), the team (managers), own."""
    if p.role in SEE_ALL_EXPENSES:
        return sa.true()
    return expenses.c.submitter_id.in_(visible_user_ids(conn, p))


def _emit_expense(emit: Emitter, row: Row, action: str) -> None:
    emit(f"billing.expense.{action}", aggregate_type="expense", aggregate_id=row.id,
         data=expense_event(row), customer_id=row.customer_id)


def _project_customer(conn: Connection, p: Principal, project_id: str, customer_id: str | None) -> str:
    """The customer of a project a claim is against: a project the caller sees (422
    unknown_project otherwise, waited for while billing's copy lags), whose 立项 was approved
    (422 project_not_approved: expenses are applied for against an approved project), of
    the customer the claim names if it names one."""
    unknown = ValidationFailed("unknown project", code="unknown_project", details={"project_id": ["no such project"]})
    project = store.get_project(conn, project_id)
    if project is None:
        raise CopyMissing(unknown, ("projects", project_id))
    if not can_see_customer(conn, p, project.customer_id, DOMAIN):
        raise unknown
    if project.status != "approved":
        raise ValidationFailed("the project's application is not approved", code="project_not_approved",
                               details={"project_id": [f"the project is {project.status}, not approved"]})
    if customer_id and customer_id != project.customer_id:
        raise ValidationFailed("the project belongs to another customer", code="customer_mismatch",
                               details={"customer_id": ["does not match the project's customer"]})
    return project.customer_id


def submit_expense(ctx: ServiceContext, events: EventContext, p: Principal, body: Mapping[str, Any], *,
                   validity_days: int = 0) -> Row:
    """A claim by the caller, on an order, a customer or an approved project they see (the
    order's or project's customer when only that is given), within the validity period
    (报销有效期) of the day it was incurred; billing.expense.submitted."""
    today = datetime.now(UTC).date()
    incurred_on = body.get("incurred_on") or today
    check_incurred_on(incurred_on, today=today, validity_days=validity_days)
    with ctx.transaction(events) as (conn, emit):
        customer_id = body["customer_id"]
        if body.get("project_id"):
            customer_id = _project_customer(conn, p, body["project_id"], customer_id)
        if body["order_id"]:
            order = visible_order(conn, p, body["order_id"], lock=False)
            if customer_id and customer_id != order.customer_id:
                raise ValidationFailed("the order belongs to another customer", code="customer_mismatch",
                                       details={"customer_id": ["does not match the order's customer"]})
            customer_id = order.customer_id
        elif customer_id:
            check_customer(conn, p, customer_id)
        row = conn.execute(
            sa.insert(expenses).values(
                id=new_id(), submitter_id=p.user_id, amount=body["amount"], category=body["category"],
                description=body["description"], customer_id=customer_id, order_id=body["order_id"],
                project_id=body.get("project_id"), incurred_on=incurred_on,
                status="submitted",
            ).returning(*expenses.c)
        ).one()
        _emit_expense(emit, row, "submitted")
    return row


def act_on_expense(ctx: ServiceContext, events: EventContext, p: Principal, expense_id: str, action: str,
                   reason: str | None = None) -> Row:
    """approve / reject (with the reason) / pay a claim the caller sees (404 otherwise),
    by the rules of domain/expenses.py; billing.expense.<approved|rejected|paid>."""
    with ctx.transaction(events) as (conn, emit):
        row = conn.execute(
            sa.select(expenses).where(expenses.c.id == expense_id, expense_scope(conn, p)).with_for_update()
        ).first()
        if row is None:
            raise NotFound("expense not found")
        check_may_act(action, actor_id=p.user_id, actor_role=p.role, submitter_id=row.submitter_id,
                      actor_manages_submitter=p.role == "manager" and is_manager_of(conn, p.user_id, row.submitter_id))
        status = next_status(row.status, action)
        if action == "pay":
            values = {"status": status, "paid_by": p.user_id, "paid_at": sa.func.now()}
        else:
            values = {"status": status, "decided_by": p.user_id, "decided_at": sa.func.now(),
                      "decision_note": reason}
        row = conn.execute(
            sa.update(expenses).where(expenses.c.id == expense_id).values(**values).returning(*expenses.c)
        ).one()
        _emit_expense(emit, row, ACTIONS[action])
    return row
