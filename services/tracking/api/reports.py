"""GET /reports/*: every report answers {"items": [...]} (plus paging fields where rows
can be many) and shows only the rows the caller may see: a sales rep their own, a
manager their team's, admin and finance everything (visibility domain "reports").

Every report also takes `owner_id` (one user's rows within what the caller sees: the
dashboard's rep picker) and `format=csv|xlsx` (the same rows as a file, api/exports.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from sqlalchemy.engine import Connection

from services.tracking import reports
from services.tracking.api import answers as out
from services.tracking.api.exports import EXPORT_MAX_ROWS, Column, export_format, file_response
from services.tracking.api.params import id_arg, period_args, report_page_args, text_arg
from services.tracking.api.readers import reader_of
from services.tracking.api.regions import with_branches
from services.tracking.competitor_losses import losses_by_competitor
from services.tracking.domain import periods as P
from services.tracking.models import (
    rm_customer_ledger,
    rm_customers,
    rm_expenses,
    rm_leads,
    rm_opportunities,
    rm_orders,
    rm_sales_targets,
)
from shared.errors import ValidationFailed
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import customer_filter, owner_filter, sees_all, visible_user_ids
from shared.web import principal, whole_arg

bp = Blueprint("tracking_reports", __name__, url_prefix="/reports")

REPORT_WORK_MEM = "32MB"
M = True  # a money column
COLUMNS = {
    "sales-performance": [Column("owner_name", "Rep", "业务员"), Column("orders", "Orders", "订单数"),
                          Column("revenue", "Revenue (incl. tax)", "销售额（含税）", M),
                          Column("net", "Revenue (net)", "销售额（不含税）", M), Column("paid", "Paid", "已回款", M),
                          Column("outstanding", "Outstanding", "未回款", M)],
    "sales-by-industry": [Column("industry", "Industry", "行业"), Column("customers", "Customers", "客户数"),
                          Column("orders", "Orders", "订单数"),
                          Column("revenue", "Revenue (incl. tax)", "销售额（含税）", M),
                          Column("net", "Revenue (net)", "销售额（不含税）", M), Column("paid", "Paid", "已回款", M),
                          Column("outstanding", "Outstanding", "未回款", M)],
    "target-attainment": [Column("owner_name", "Rep", "业务员"), Column("month", "Month", "月份"),
                          Column("target", "Target", "销售目标", M), Column("revenue", "Revenue (incl. tax)", "销售额（含税）", M),
                          Column("attainment_pct", "Attainment %", "完成率 %")],
    "product-sales": [Column("sku", "SKU", "产品编号"), Column("name", "Product", "产品"),
                      Column("quantity", "Quantity", "数量"), Column("orders", "Orders", "订单数"),
                      Column("revenue", "Revenue (incl. tax)", "销售额（含税）", M),
                      Column("net", "Revenue (net)", "销售额（不含税）", M)],
    "customer-trend": [Column("period", "Period", "期间"), Column("new", "New", "新增"),
                       Column("active", "Active", "活跃"), Column("lost", "Lost", "流失")],
    "funnel": [Column("stage", "Stage", "阶段"), Column("count", "Count", "数量"),
               Column("amount", "Amount", "金额", M)],
    "profit": [Column("name", "Customer", "客户"), Column("revenue", "Revenue (net)", "销售额（不含税）", M),
               Column("cost_of_goods", "Cost of goods", "销售成本", M), Column("expenses", "Expenses", "费用", M),
               Column("profit", "Profit", "利润", M)],
    "receivables-by-owner": [Column("owner_name", "Rep", "业务员"), Column("customers", "Customers", "客户数"),
                             Column("invoiced", "Invoiced", "已开票", M), Column("paid", "Paid", "已回款", M),
                             Column("outstanding", "Outstanding", "应收余额", M), Column("credit", "Credit", "预收", M)],
    "sales-by-month": [Column("month", "Month", "月份"), Column("orders", "Orders", "订单数"),
                       Column("revenue", "Revenue (incl. tax)", "销售额（含税）", M),
                       Column("previous_month", "Same month last year", "去年同月"),
                       Column("previous_orders", "Orders last year", "去年订单数"),
                       Column("previous_revenue", "Revenue last year", "去年销售额", M)],
    "receivables-ageing": [Column("owner_name", "Rep", "业务员"), Column("customers", "Customers", "客户数"),
                           Column("days_0_30", "0-30 days", "0-30 天", M), Column("days_31_60", "31-60 days", "31-60 天", M),
                           Column("days_61_90", "61-90 days", "61-90 天", M),
                           Column("days_over_90", "Over 90 days", "90 天以上", M), Column("total", "Total", "合计", M)],
    "expenses-submitter": [Column("submitter_name", "Rep", "业务员"), Column("count", "Claims", "报销笔数"),
                           Column("claimed", "Claimed", "申请金额", M), Column("approved", "Approved", "已批准", M),
                           Column("paid", "Paid", "已支付", M)],
    "losses-by-competitor": [Column("name", "Competitor", "竞争对手"), Column("lost", "Lost opportunities", "丢单数"),
                             Column("amount", "Amount lost", "丢单金额", M)],
    "expenses-customer": [Column("name", "Customer", "客户"), Column("count", "Claims", "报销笔数"),
                          Column("claimed", "Claimed", "申请金额", M), Column("approved", "Approved", "已批准", M),
                          Column("paid", "Paid", "已支付", M)],
}


@contextlib.contextmanager
def _reading() -> Iterator[Connection]:
    """A connection for one report: its own read-only transaction with JIT off (a report's
    plan costs over a million rows make PostgreSQL compile it, ~2 s of JIT for a query that
    runs in 100 ms) and room for its hash aggregates in memory (work_mem); both for this
    transaction only."""
    with service_context().engine.connect() as conn:
        conn.execute(sa.text("SET LOCAL jit = off"))
        conn.execute(sa.text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))
        yield conn


def _window() -> tuple[str | None, int, int]:
    """(file format, page, per_page): a file holds every row up to EXPORT_MAX_ROWS."""
    fmt = export_format()
    page, per_page = report_page_args()
    return (fmt, 1, EXPORT_MAX_ROWS) if fmt else (None, page, per_page)


def _answer(name: str, fmt: str | None, items: list, total: int | None = None, page: int = 1,
            per_page: int = 0, *, columns: str | None = None, **extra):
    if fmt:
        return file_response(fmt, name, COLUMNS[columns or name], items)
    if total is None:
        return jsonify({"items": items, **extra})
    return jsonify({"items": items, "total": total, "page": page, "per_page": per_page, **extra})


def _one_owner(scope, col):
    """The visibility clause narrowed to the `owner_id` asked for, if any (and, for the
    order-based reports, to the `region` asked for)."""
    owner = id_arg("owner_id")
    scope = sa.and_(scope, col == owner) if owner else scope
    region = text_arg("region", 40)
    if region and col is rm_orders.c.owner_id:
        scope = sa.and_(scope, rm_orders.c.region == region)
    return scope


def _region() -> str | None:
    """The `region` asked for: every report narrows its rows to that region's."""
    return text_arg("region", 40)


def _in_region(scope: sa.ColumnElement | None, region_col) -> sa.ColumnElement | None:
    """scope narrowed to the `region` asked for (scope None: every row, then that region's)."""
    region = _region()
    if not region:
        return scope
    return region_col == region if scope is None else sa.and_(scope, region_col == region)


def _order_scope(conn):
    """The orders the caller may count (a head-office manager: every branch's too), of
    `owner_id` / `region` if asked."""
    me = principal()
    return _one_owner(with_branches(owner_filter(conn, me, rm_orders.c.owner_id, "reports"), rm_orders.c.region, me),
                      rm_orders.c.owner_id)


def _visible_customers(conn, me):
    """The customer visibility rule of shared.visibility.customer_filter for the reports domain
    (admin, finance: all; sales, manager: owned by them or their team, or shared with them;
    others none) as ONE semi-join over a UNION: the filter's OR of two IN-subqueries makes
    PostgreSQL probe a subplan per row, which past a work_mem-sized team (200,000 customers)
    is no longer hashed and takes seconds over a million customers."""
    if sees_all(me, "reports"):
        return lambda col: sa.true()
    if me.role not in ("sales", "manager"):
        return lambda col: customer_filter(conn, me, col, "reports")
    owners = visible_user_ids(conn, me)
    acl, shares = sa.table("acl_customers", sa.column("customer_id"), sa.column("owner_id")), sa.table(
        "acl_customer_shares", sa.column("customer_id"), sa.column("user_id"))
    visible = sa.union_all(sa.select(acl.c.customer_id).where(acl.c.owner_id.in_(owners)),
                           sa.select(shares.c.customer_id).where(shares.c.user_id == me.user_id))
    return lambda col: col.in_(visible)


SHARED_AS_LIST = 1000  # past this many customers shared with the caller, a subquery instead


def _shared_with(conn, me) -> sa.ColumnElement | None:
    """The customers shared with the caller, read once: an IN list on the customer id (None
    when there are none), so the owner test stays an index condition; an OR with a subquery
    would make PostgreSQL read every customer row in the period."""
    shares = sa.table("acl_customer_shares", sa.column("customer_id"), sa.column("user_id"))
    mine = sa.select(shares.c.customer_id).where(shares.c.user_id == me.user_id)
    ids = [r[0] for r in conn.execute(mine.limit(SHARED_AS_LIST + 1))]
    if not ids:
        return None
    return rm_customers.c.customer_id.in_(ids if len(ids) <= SHARED_AS_LIST else mine)


def _customers_table_scope(conn, me):
    """The visibility rule on rm_customers' own columns (tracking's copy of each customer's
    owner, fed by the same events as acl_customers): owned by the caller's team or shared with
    the caller; `owner_id` narrows it. None when the caller sees every customer."""
    owner = id_arg("owner_id")
    c = rm_customers
    clause = sa.true()
    if sees_all(me, "reports") and not owner:
        return None  # nothing to narrow: no join needed
    if not sees_all(me, "reports"):
        if me.role not in ("sales", "manager"):
            return customer_filter(conn, me, c.c.customer_id, "reports")
        owned = c.c.owner_id.in_(visible_user_ids(conn, me))
        shared = _shared_with(conn, me)
        clause = with_branches(owned if shared is None else sa.or_(owned, shared), c.c.region, me)
    return sa.and_(clause, c.c.owner_id == owner) if owner else clause


def _customer_scope(conn, me):
    """scope_for(customer id column): the caller's customers, those of `owner_id` if asked."""
    owner = id_arg("owner_id")
    visible = _visible_customers(conn, me)

    def scope_for(col):
        clause = visible(col)
        if owner:
            owned = sa.select(rm_customers.c.customer_id).where(rm_customers.c.owner_id == owner)
            clause = sa.and_(clause, col.in_(owned))
        return clause

    return scope_for


def _ledger_scope(conn, me):
    """The receivables' rows the caller may see, on the ledger's owner and region (the
    customer's current owner; a head-office manager: the branches' too), of `owner_id` /
    `region` if asked; None: every row."""
    led = rm_customer_ledger
    scope = None if sees_all(me, "reports") and not id_arg("owner_id") else _one_owner(
        with_branches(owner_filter(conn, me, led.c.owner_id, "reports"), led.c.region, me), led.c.owner_id)
    return _in_region(scope, led.c.region)


def _expense_scope(conn, me):
    """The claims the reader may see (admin, finance: all; else their own and their team's),
    of `owner_id`'s only if asked."""
    scope = None if me.role in ("admin", "finance") else rm_expenses.c.submitter_id.in_(sorted(reader_of(conn, me).team))
    owner = id_arg("owner_id")
    if owner:
        mine = rm_expenses.c.submitter_id == owner
        scope = mine if scope is None else sa.and_(scope, mine)
    return scope


@bp.get("/sales-performance")
@api_doc(page=out.SalesPerformanceRow, summary="Per owner (and region): orders, revenue, paid, outstanding (from, to, region)")
def sales_performance():
    start, end = period_args()
    fmt, page, per_page = _window()
    with _reading() as conn:
        scope = _order_scope(conn)
        items, total = reports.sales_performance(conn, start, end, scope, per_page, (page - 1) * per_page)
    return _answer("sales-performance", fmt, items, total, page, per_page)


@bp.get("/regions")
@api_doc(response=out.RegionsReport, summary="Per region: orders, customers, revenue, paid, outstanding (from, to) and the open pipeline; head office compares its branches")
def regions():
    start, end = period_args()
    with _reading() as conn:
        scope = _order_scope(conn)
        opp_scope = with_branches(owner_filter(conn, principal(), rm_opportunities.c.owner_id, "reports"),
                                  rm_opportunities.c.region, principal())
        owner = id_arg("owner_id")
        if owner:
            opp_scope = sa.and_(opp_scope, rm_opportunities.c.owner_id == owner)
        items = reports.sales_by_region(conn, start, end, scope, opp_scope)
    return _answer("regions", None, items)


@bp.get("/sales-by-industry")
@api_doc(page=out.IndustrySalesRow, summary="Per the customers' industry: orders, customers, revenue, paid, outstanding (from, to, owner_id, region, format)")
def sales_by_industry():
    start, end = period_args()
    fmt, page, per_page = _window()
    with _reading() as conn:
        scope = _order_scope(conn)
        items, total = reports.sales_by_industry(conn, start, end, scope, per_page, (page - 1) * per_page)
    return _answer("sales-by-industry", fmt, items, total, page, per_page)


@bp.get("/target-attainment")
@api_doc(page=out.TargetAttainmentRow, summary="Per rep and month of `year` (or one `month`, YYYY-MM): target, revenue, attainment % (owner_id, region, format)")
def target_attainment():
    """Sales targets (set in the sales service) against the revenue of the counted orders
    placed in each month, for the reps the caller sees (a rep their own, a manager the
    team's, admin and finance all)."""
    details: dict[str, list[str]] = {}
    year = whole_arg("year", datetime.now(UTC).year, 1901, 2999, details)
    month = request.args.get("month") or None
    if month is not None and not P.is_month(month):
        details["month"] = ["must be a month YYYY-MM"]
    if details:
        raise ValidationFailed("invalid period", details=details)
    fmt, page, per_page = _window()
    me = principal()
    with _reading() as conn:
        targets = _one_owner(owner_filter(conn, me, rm_sales_targets.c.owner_id, "reports"),
                             rm_sales_targets.c.owner_id)
        items, total = reports.target_attainment(conn, year, month, _order_scope(conn), targets, per_page,
                                                 (page - 1) * per_page)
    return _answer("target-attainment", fmt, items, total, page, per_page)


@bp.get("/product-sales")
@api_doc(page=out.ProductSalesRow, summary="Per product: quantity, revenue, orders (from, to, region)")
def product_sales():
    start, end = period_args()
    fmt, page, per_page = _window()
    with _reading() as conn:
        scope = _order_scope(conn)
        items, total = reports.product_sales(conn, start, end, scope, per_page, (page - 1) * per_page)
    return _answer("product-sales", fmt, items, total, page, per_page)


@bp.get("/sales-by-month")
@api_doc(response=out.SalesByMonth, summary="Per month of `year` (default this year) beside the same month a year before (owner_id, format)")
def sales_by_month():
    """Per month of `year` (default: this year, UTC) beside the same month a year before."""
    details: dict[str, list[str]] = {}
    year = whole_arg("year", datetime.now(UTC).year, 1901, 2999, details)
    if details:
        raise ValidationFailed("invalid year", details=details)
    fmt = export_format()
    with _reading() as conn:
        scope = _order_scope(conn)
        items = reports.sales_by_month(conn, year, scope)
    return _answer("sales-by-month", fmt, items, year=year)


@bp.get("/customer-trend")
@api_doc(response=out.CustomerTrend, summary="New, active and lost customers per period (granularity, from, to, region)")
def customer_trend():
    granularity = request.args.get("granularity") or "month"
    if granularity not in P.GRANULARITIES:
        raise ValidationFailed("invalid granularity", details={"granularity": ["must be month, quarter or year"]})
    start, end = period_args()
    fmt = export_format()
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
    with _reading() as conn:
        items = reports.customer_trend(conn, granularity, periods, _customer_scope(conn, me),
                                       _customers_table_scope(conn, me), region=_region())
    return _answer("customer-trend", fmt, items, granularity=granularity, region=_region())


@bp.get("/funnel")
@api_doc(response=out.Funnel, summary="Leads, conversions and opportunities per stage (from, to, region)")
def funnel():
    start, end = period_args()
    fmt = export_format()
    me = principal()
    with _reading() as conn:
        leads = with_branches(owner_filter(conn, me, rm_leads.c.owner_id, "reports"), rm_leads.c.region, me)
        opportunities = with_branches(owner_filter(conn, me, rm_opportunities.c.owner_id, "reports"),
                                      rm_opportunities.c.region, me)
        body = reports.funnel(
            conn, start, end,
            _in_region(_one_owner(leads, rm_leads.c.owner_id), rm_leads.c.region),
            _in_region(_one_owner(opportunities, rm_opportunities.c.owner_id), rm_opportunities.c.region))
    if fmt:
        return _answer("funnel", fmt, body["items"])
    return jsonify({**body, "region": _region()})


@bp.get("/losses-by-competitor")
@api_doc(page=out.CompetitorLossRow, summary="Per competitor: the lost opportunities it won and their amount (from, to, owner_id, region, format)")
def competitor_losses():
    """Lost opportunities that name the competitor that won them, of the reps the caller
    sees (a rep their own, a manager the team's, admin and finance all); from/to bound the
    opportunities' creation time, as in the funnel."""
    start, end = period_args()
    fmt, page, per_page = _window()
    me = principal()
    with _reading() as conn:
        scope = with_branches(owner_filter(conn, me, rm_opportunities.c.owner_id, "reports"),
                              rm_opportunities.c.region, me)
        scope = _in_region(_one_owner(scope, rm_opportunities.c.owner_id), rm_opportunities.c.region)
        items, total = losses_by_competitor(conn, start, end, scope, per_page, (page - 1) * per_page)
    return _answer("losses-by-competitor", fmt, items, total, page, per_page)


@bp.get("/profit")
@api_doc(page=out.ProfitRow, summary="Per customer: revenue, cost of goods, expenses, profit (from, to, region)")
def profit():
    """Per customer the caller sees. Expenses: only the claims the caller may see (their
    own and their team's; all for admin and finance), as on the timeline. Cost of goods
    and profit only for admin, finance and managers."""
    start, end = period_args()
    fmt, page, per_page = _window()
    me = principal()
    with _reading() as conn:
        reader = reader_of(conn, me)
        expense_scope = (None if me.role in ("admin", "finance")
                         else rm_expenses.c.submitter_id.in_(sorted(reader.team)))
        items, total = reports.profit_by_customer(
            conn, start, end, _customer_scope(conn, me), per_page, (page - 1) * per_page,
            expense_scope=expense_scope, with_cost=reader.sees_cost,
            customers_scope=_in_region(_customers_table_scope(conn, me), rm_customers.c.region))
    return _answer("profit", fmt, items, total, page, per_page)


@bp.get("/expenses")
@api_doc(response=out.ExpensesPage, summary="Expense claims per submitter or per customer (group, from, to, owner_id, region, format)")
def expenses():
    """Expense claims per submitter (`group=submitter`, default) or per customer
    (`group=customer`: linked directly or through an order, customers the caller sees)."""
    group = request.args.get("group") or "submitter"
    if group not in ("submitter", "customer"):
        raise ValidationFailed("invalid group", details={"group": ["one of submitter, customer"]})
    start, end = period_args()
    fmt, page, per_page = _window()
    me = principal()
    with _reading() as conn:
        items, total = reports.expenses_by(conn, group, start, end,
                                           _in_region(_expense_scope(conn, me), rm_expenses.c.region),
                                           _customer_scope(conn, me), per_page, (page - 1) * per_page,
                                           customers_scope=_customers_table_scope(conn, me))
    return _answer(f"expenses-{group}", fmt, items, total, page, per_page, group=group)


@bp.get("/receivables-by-owner")
@api_doc(page=out.ReceivablesByOwnerRow, summary="Per owner and region: invoiced, paid, outstanding, credit (owner_id, region)")
def receivables_by_owner():
    fmt, page, per_page = _window()
    with _reading() as conn:
        scope = _ledger_scope(conn, principal())
        items, total = reports.receivables_by_owner(conn, scope, per_page, (page - 1) * per_page)
    return _answer("receivables-by-owner", fmt, items, total, page, per_page)


@bp.get("/receivables-ageing")
@api_doc(response=out.AgeingByOwnerPage, summary="Per owner and region: open invoice amounts by age at as_of (owner_id, region, format)")
def receivables_ageing():
    """Per owner: open invoice amounts by age at `as_of` (default now; a date or an ISO time)."""
    fmt, page, per_page = _window()
    as_of = datetime.now(UTC)
    raw = request.args.get("as_of")
    if raw:
        try:
            as_of = P.parse_instant(raw, end_of_day=False)
        except P.BadDate:
            raise ValidationFailed("invalid as_of", details={"as_of": ["must be a date (YYYY-MM-DD)"]}) from None
    with _reading() as conn:
        scope = _ledger_scope(conn, principal())
        items, total = reports.receivables_ageing(conn, scope, as_of, per_page, (page - 1) * per_page)
    return _answer("receivables-ageing", fmt, items, total, page, per_page, as_of=as_of.isoformat())
