"""Opening balances (recorded by services/billing/commands/balances.py), receivables per
customer and the ageing report."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, jsonify, request

from services.billing import store
from services.billing.api import answers as out
from services.billing.api.common import DOMAIN, FINANCE
from services.billing.api.fields import OpeningBalanceIn
from services.billing.commands import balances as commands
from services.billing.domain.ageing import BUCKETS, Debt, age_debts
from services.billing.domain.receivables import Balance
from services.billing.models import opening_balances, receivables
from shared.db import like_pattern
from shared.errors import ValidationFailed
from shared.money import fmt
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import can_see_customer, customer_filter, with_customer_names
from shared.web import (
    count_and_page,
    date_arg,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    principal,
    require_role,
    uuid_arg,
)

bp = Blueprint("billing_receivables", __name__)

_acl = sa.table("acl_customers", sa.column("customer_id"), sa.column("name"))


def opening_view(row) -> dict:
    return {"customer_id": row.customer_id, "amount": fmt(row.amount), "as_of": row.as_of.isoformat(),
            "note": row.note, "created_by": row.created_by, "created_at": iso(row.created_at)}


@bp.post("/opening-balances")
@api_doc(response=out.OpeningBalance, body=OpeningBalanceIn, status=201, summary="Record a customer's opening receivable (once per customer)", tags=["billing"])
def record_opening_balance():
    p = principal()
    require_role(FINANCE, "record opening balances", who=p)
    body = load(OpeningBalanceIn())
    row = commands.record_opening_balance(service_context(), event_context(), p, body)
    return jsonify(opening_view(row)), 201


@bp.get("/opening-balances")
@api_doc(page=out.OpeningBalance, summary="Opening balances (customer_id)")
def list_opening_balances():
    p = principal()
    page, per_page = page_args()
    customer_id = uuid_arg(request.args.get("customer_id"), "customer_id")
    ctx = service_context()
    with ctx.engine.connect() as conn:
        where = [customer_filter(conn, p, opening_balances.c.customer_id, DOMAIN, read=True)]
        if customer_id:
            where.append(opening_balances.c.customer_id == customer_id)
        rows, total = count_and_page(
            conn, sa.select(opening_balances).where(*where)
            .order_by(opening_balances.c.created_at.desc(), opening_balances.c.customer_id), page, per_page)
        items = with_customer_names(conn, [opening_view(r) for r in rows])
    return page_response(items, total, page, per_page)


def _balances_query(conn, p, customer_id: str | None, *, owing_only: bool):
    r = receivables
    where = [customer_filter(conn, p, r.c.customer_id, DOMAIN, read=True)]
    if customer_id:
        where.append(r.c.customer_id == customer_id)
    if owing_only:
        where.append(r.c.opening + r.c.invoiced - r.c.paid > 0)
    select = (sa.select(r, _acl.c.name.label("customer_name"))
              .select_from(r.outerjoin(_acl, _acl.c.customer_id == r.c.customer_id)).where(*where))
    count = sa.select(sa.func.count()).select_from(r).where(*where)
    return select.order_by(r.c.customer_id), count


def _named_balances_query(conn, p, q: str, customer_id: str | None):
    """Customers the caller sees whose name holds q (LIKE wildcards taken literally), with their
    balances, zero where billing has none; the closest names (prefix first, shortest) first."""
    r, a = receivables, _acl
    pattern = like_pattern(q)
    where = [customer_filter(conn, p, a.c.customer_id, DOMAIN, read=True), a.c.name.ilike(pattern, escape="\\")]
    if customer_id:
        where.append(a.c.customer_id == customer_id)
    zero = sa.literal(0)
    select = (sa.select(a.c.customer_id, a.c.name.label("customer_name"),
                        *(sa.func.coalesce(getattr(r.c, k), zero).label(k)
                          for k in ("opening", "invoiced", "paid", "prepaid", "allocated")))
              .select_from(a.outerjoin(r, r.c.customer_id == a.c.customer_id)).where(*where))
    count = sa.select(sa.func.count()).select_from(a).where(*where)
    prefix = sa.case((a.c.name.ilike(pattern[1:], escape="\\"), 0), else_=1)
    return select.order_by(prefix, sa.func.length(a.c.name), a.c.name, a.c.customer_id), count


def _balance(row) -> Balance:
    return Balance(row.customer_id, row.opening, row.invoiced, row.paid, row.prepaid, row.allocated)


@bp.get("/receivables")
@api_doc(page=out.Receivable, summary="Per customer: opening, invoiced, paid, credit, outstanding (customer_id; q: the customers whose name holds q, with or without billing yet)")
def list_receivables():
    """Per customer with billing activity: invoiced, paid, credit, outstanding (see
    domain/receivables.py for the definitions). `q`: the customers the caller sees whose
    name holds it, billing activity or not (all zero without): finance picks a customer by
    name this way, e.g. to enter its opening balance, without reading the customer itself."""
    p = principal()
    page, per_page = page_args()
    customer_id = uuid_arg(request.args.get("customer_id"), "customer_id")
    q = (request.args.get("q") or "").strip()
    if len(q) > 100:
        raise ValidationFailed("invalid filter", details={"q": ["at most 100 characters"]})
    ctx = service_context()
    with ctx.engine.connect() as conn:
        if q:
            select, count = _named_balances_query(conn, p, q, customer_id)
        else:
            select, count = _balances_query(conn, p, customer_id, owing_only=False)
        total = conn.execute(count).scalar_one()
        rows = conn.execute(select.limit(per_page).offset((page - 1) * per_page)).all()
        items = [{**_balance(r).as_dict(), "customer_name": r.customer_name} for r in rows]
        if customer_id and total == 0 and page == 1 and _visible_known(conn, p, customer_id):
            zero = Decimal(0)  # a customer the caller sees but with no billing yet: all zero
            items = [{**Balance(customer_id, zero, zero, zero, zero, zero).as_dict(),
                      "customer_name": conn.execute(sa.select(_acl.c.name).where(
                          _acl.c.customer_id == customer_id)).scalar()}]
            total = 1
    return page_response(items, total, page, per_page)


def _visible_known(conn, p, customer_id: str) -> bool:
    return store.customer_known(conn, customer_id) and can_see_customer(conn, p, customer_id, DOMAIN, read=True)


def _as_of_arg() -> date:
    return date_arg("as_of") or datetime.now(UTC).date()  # a date in the agreed years


# The non-void invoices of the given customers that are not fully settled, oldest first;
# `before` is the sum of that customer's invoices before this one.
_OPEN_INVOICES = sa.text("""
SELECT t.customer_id, t.issued_at, t.amount, t.before FROM (
    SELECT i.customer_id, i.issued_at, i.id, i.amount,
           sum(i.amount) OVER w AS running, sum(i.amount) OVER w - i.amount AS before
    FROM invoices i
    WHERE i.status = 'issued' AND i.customer_id = ANY(:ids)
    WINDOW w AS (PARTITION BY i.customer_id ORDER BY i.issued_at, i.id)
) t JOIN receivables r ON r.customer_id = t.customer_id
WHERE t.running > GREATEST(r.paid - r.opening, 0)
ORDER BY t.customer_id, t.issued_at, t.id
""")


@bp.get("/receivables/ageing")
@api_doc(response=out.Ageing, summary="Outstanding amounts by age (as_of): 0-30, 31-60, 61-90, over 90 days")
def ageing():
    """Per customer who owes: the outstanding amount by age of the debt (0-30, 31-60,
    61-90, over 90 days at as_of; default today, UTC), by invoice date, FIFO settled."""
    p = principal()
    page, per_page = page_args()
    customer_id = uuid_arg(request.args.get("customer_id"), "customer_id")
    as_of = _as_of_arg()
    ctx = service_context()
    with ctx.engine.connect() as conn:
        select, count = _balances_query(conn, p, customer_id, owing_only=True)
        total = conn.execute(count).scalar_one()
        rows = conn.execute(select.limit(per_page).offset((page - 1) * per_page)).all()
        ids = [r.customer_id for r in rows]
        openings = {o.customer_id: o.as_of for o in conn.execute(
            sa.select(opening_balances.c.customer_id, opening_balances.c.as_of)
            .where(opening_balances.c.customer_id.in_(ids)))} if ids else {}
        open_invoices = defaultdict(list)
        if ids:
            for inv in conn.execute(_OPEN_INVOICES, {"ids": ids}):
                open_invoices[inv.customer_id].append(inv)
    items = []
    for r in rows:
        invs = open_invoices[r.customer_id]
        already_settled = invs[0].before if invs else Decimal(0)
        debts = []
        if r.opening > 0:
            debts.append(Debt(openings.get(r.customer_id, as_of), r.opening))
        debts += [Debt(i.issued_at.astimezone(UTC).date(), i.amount) for i in invs]
        buckets = age_debts(debts, r.paid - already_settled, as_of)
        items.append({"customer_id": r.customer_id, "customer_name": r.customer_name,
                      **{b: fmt(buckets[b]) for b in (*BUCKETS, "total")}})
    return page_response(items, total, page, per_page, as_of=as_of.isoformat())
