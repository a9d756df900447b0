"""GET /reports/*: every report answers {"items": [...]} (plus paging fields where rows
can be many) and shows only the rows the caller may see: a sales rep their own, a
manager their team's, admin and finance everything (visibility domain "reports")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, jsonify, request

from services.tracking import reports
from services.tracking.api import answers as out
from services.tracking.api.params import period_args, report_page_args
from services.tracking.api.readers import reader_of
from services.tracking.domain import periods as P
from services.tracking.models import (
    rm_customers,
    rm_expenses,
    rm_leads,
    rm_opportunities,
    rm_orders,
)
from shared.errors import ValidationFailed
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import customer_filter, owner_filter
from shared.web import principal

bp = Blueprint("tracking_reports", __name__, url_prefix="/reports")


def _paged(items: list, total: int, page: int, per_page: int, **extra):
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page, **extra})


@bp.get("/sales-performance")
@api_doc(page=out.SalesPerformanceRow, summary="Per owner: orders, revenue, paid, outstanding (from, to)")
def sales_performance():
    start, end = period_args()
    page, per_page = report_page_args()
    with service_context().engine.connect() as conn:
        scope = owner_filter(conn, principal(), rm_orders.c.owner_id, "reports")
        items, total = reports.sales_performance(conn, start, end, scope, per_page, (page - 1) * per_page)
    return _paged(items, total, page, per_page)


@bp.get("/product-sales")
@api_doc(page=out.ProductSalesRow, summary="Per product: quantity, revenue, orders (from, to)")
def product_sales():
    start, end = period_args()
    page, per_page = report_page_args()
    with service_context().engine.connect() as conn:
        scope = owner_filter(conn, principal(), rm_orders.c.owner_id, "reports")
        items, total = reports.product_sales(conn, start, end, scope, per_page, (page - 1) * per_page)
    return _paged(items, total, page, per_page)


@bp.get("/customer-trend")
@api_doc(response=out.CustomerTrend, summary="New, active and lost customers per period (granularity, from, to)")
def customer_trend():
    granularity = request.args.get("granularity") or "month"
    if granularity not in P.GRANULARITIES:
        raise ValidationFailed("invalid granularity", details={"granularity": ["must be month, quarter or year"]})
    start, end = period_args()
    if end is None:
        end = P.default_range(granularity, datetime.now(UTC))[1]
    if start is None:  # the default span of periods ending with the one holding `to`
        start = P.default_range(granularity, end - timedelta(microseconds=1))[0]
    if start >= end:
        raise ValidationFailed("invalid period", details={"from": ["must be before to"]})
    try:
        periods = P.periods(granularity, start, end)
    except ValueError as exc:
        raise ValidationFailed("period too long", details={"from": [str(exc)]}) from None
    me = principal()
    with service_context().engine.connect() as conn:
        items = reports.customer_trend(conn, granularity, periods,
                                       lambda col: customer_filter(conn, me, col, "reports"))
    return jsonify({"items": items, "granularity": granularity})


@bp.get("/funnel")
@api_doc(response=out.Funnel, summary="Leads, conversions and opportunities per stage (from, to)")
def funnel():
    start, end = period_args()
    me = principal()
    with service_context().engine.connect() as conn:
        body = reports.funnel(conn, start, end, owner_filter(conn, me, rm_leads.c.owner_id, "reports"),
                              owner_filter(conn, me, rm_opportunities.c.owner_id, "reports"))
    return jsonify(body)


@bp.get("/profit")
@api_doc(page=out.ProfitRow, summary="Per customer: revenue, cost of goods, expenses, profit (from, to)")
def profit():
    """Per customer the caller sees. Expenses: only the claims the caller may see (their
    own and their team's; all for admin and finance), as on the timeline. Cost of goods
    and profit only for admin, finance and managers."""
    start, end = period_args()
    page, per_page = report_page_args()
    me = principal()
    with service_context().engine.connect() as conn:
        reader = reader_of(conn, me)
        expense_scope = (None if me.role in ("admin", "finance")
                         else rm_expenses.c.submitter_id.in_(sorted(reader.team)))
        items, total = reports.profit_by_customer(
            conn, start, end, lambda col: customer_filter(conn, me, col, "reports"), per_page, (page - 1) * per_page,
            expense_scope=expense_scope, with_cost=reader.sees_cost)
    return _paged(items, total, page, per_page)


@bp.get("/receivables-by-owner")
@api_doc(page=out.ReceivablesByOwnerRow, summary="Per owner: invoiced, paid, outstanding, credit")
def receivables_by_owner():
    page, per_page = report_page_args()
    with service_context().engine.connect() as conn:
        scope = owner_filter(conn, principal(), rm_customers.c.owner_id, "reports")
        items, total = reports.receivables_by_owner(conn, scope, per_page, (page - 1) * per_page)
    return _paged(items, total, page, per_page)
