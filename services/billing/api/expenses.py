"""Expense claims: submit, approve / reject (submitter's manager or admin), pay (finance,
only after approval), list (own; team for managers; all for finance and admin), summary.
The writes are services/billing/commands/expenses.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request

from services.billing.api import answers as out
from services.billing.api.common import expense_view
from services.billing.api.fields import DecisionIn, ExpenseIn
from services.billing.commands import expenses as commands
from services.billing.domain.expenses import STATUSES
from services.billing.models import expenses
from shared.errors import NotFound, ValidationFailed
from shared.identity import Principal
from shared.money import fmt
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import (
    count_and_page,
    date_arg,
    event_context,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    uuid_arg,
)

bp = Blueprint("billing_expenses", __name__)


@bp.post("/expenses")
@api_doc(response=out.Expense, body=ExpenseIn, status=201, summary="Submit an expense claim", tags=["billing"])
def submit_expense():
    p = principal()
    body = load(ExpenseIn())
    validity_days = current_app.extensions["billing_config"].expense_validity_days
    row = commands.submit_expense(service_context(), event_context(), p, body, validity_days=validity_days)
    return jsonify(expense_view(row)), 201


def _act(expense_id: str, action: str):
    p = principal()
    expense_id = path_id(expense_id, "expense")
    body = load(DecisionIn()) if action != "pay" else {}
    row = commands.act_on_expense(service_context(), event_context(), p, expense_id, action, body.get("reason"))
    return jsonify(expense_view(row))


@bp.post("/expenses/<expense_id>/approve")
@api_doc(response=out.Expense, body=DecisionIn, status=200, summary="Approve a claim (submitter's manager or admin)", tags=["billing"])
def approve_expense(expense_id: str):
    return _act(expense_id, "approve")


@bp.post("/expenses/<expense_id>/reject")
@api_doc(response=out.Expense, body=DecisionIn, status=200, summary="Reject a claim (submitter's manager or admin)", tags=["billing"])
def reject_expense(expense_id: str):
    return _act(expense_id, "reject")


@bp.post("/expenses/<expense_id>/pay")
@api_doc(response=out.Expense, summary="Mark an approved claim paid (finance, admin)")
def pay_expense(expense_id: str):
    return _act(expense_id, "pay")


@bp.get("/expenses/<expense_id>")
@api_doc(response=out.Expense, summary="An expense claim")
def get_expense(expense_id: str):
    p = principal()
    expense_id = path_id(expense_id, "expense")
    ctx = service_context()
    with ctx.engine.connect() as conn:
        row = conn.execute(sa.select(expenses).where(expenses.c.id == expense_id, commands.expense_scope(conn, p))).first()
    if row is None:
        raise NotFound("expense not found")
    return jsonify(expense_view(row))


def _date_arg(name: str) -> date | None:
    return date_arg(name)  # a date in the agreed years (to + 1 day never overflows)


def _filters(conn, p: Principal) -> list:
    where = [commands.expense_scope(conn, p)]
    for name in ("submitter_id", "customer_id", "order_id", "project_id"):
        value = uuid_arg(request.args.get(name), name)
        if value:
            where.append(expenses.c[name] == value)
    status = request.args.get("status")
    if status:
        if status not in STATUSES:
            raise ValidationFailed("invalid status", details={"status": [f"one of {', '.join(STATUSES)}"]})
        where.append(expenses.c.status == status)
    start, end = _date_arg("from"), _date_arg("to")
    if start:
        where.append(expenses.c.created_at >= datetime.combine(start, time.min, UTC))
    if end:
        where.append(expenses.c.created_at < datetime.combine(end + timedelta(days=1), time.min, UTC))
    return where


@bp.get("/expenses")
@api_doc(page=out.Expense, summary="Expense claims (submitter_id, status, customer_id, order_id, project_id, from, to)")
def list_expenses():
    p = principal()
    page, per_page = page_args()
    ctx = service_context()
    with ctx.engine.connect() as conn:
        where = _filters(conn, p)
        rows, total = count_and_page(
            conn, sa.select(expenses).where(*where).order_by(expenses.c.created_at.desc(), expenses.c.id.desc()), page, per_page)
    return page_response([expense_view(r) for r in rows], total, page, per_page)


SUMMARY_LIMIT = 500


@bp.get("/expenses/summary")
@api_doc(response=out.ExpenseSummary, summary="Per submitter: count, total and amount per status")
def expense_summary():
    """Per submitter (within what the caller sees, filtered like the list): the number of
    claims and the amount per status; `from` / `to` limit by submission date (UTC)."""
    p = principal()
    ctx = service_context()
    amount_in = {s: sa.func.coalesce(sa.func.sum(expenses.c.amount).filter(expenses.c.status == s), 0)
                 for s in STATUSES}
    with ctx.engine.connect() as conn:
        rows = conn.execute(
            sa.select(expenses.c.submitter_id, sa.func.count().label("count"),
                      sa.func.sum(expenses.c.amount).label("total"),
                      *(amount.label(s) for s, amount in amount_in.items()))
            .where(*_filters(conn, p)).group_by(expenses.c.submitter_id)
            .order_by(sa.func.sum(expenses.c.amount).desc(), expenses.c.submitter_id).limit(SUMMARY_LIMIT)
        ).all()
    items = [{"submitter_id": r.submitter_id, "count": r.count, "total": fmt(r.total),
              **{s: fmt(getattr(r, s)) for s in STATUSES}} for r in rows]
    return jsonify({"items": items})
