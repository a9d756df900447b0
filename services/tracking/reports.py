"""Report queries over the read models (SQLAlchemy Core, no Flask). Every query takes
a visibility clause built by the caller and returns plain dicts; money as strings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from services.tracking.domain.periods import Period
from services.tracking.domain.rules import (
    COUNTED_EXPENSE_STATUSES,
    REVENUE_STATUSES,
    STAGES,
    profit,
)
from services.tracking.models import (
    Money,
    rm_customer_ledger,
    rm_customers,
    rm_expenses,
    rm_invoices,
    rm_leads,
    rm_opportunities,
    rm_order_balances,
    rm_order_lines,
    rm_orders,
    rm_products,
    rm_sales_targets,
)
from shared.money import fmt

users = sa.table("acl_users", sa.column("id"), sa.column("full_name"), sa.column("username"))
ZERO = Decimal("0")


def _m(value: Any) -> str:
    return fmt(Decimal(value or 0))


def _in_range(col: ColumnElement, start: datetime | None, end: datetime | None) -> list[ColumnElement]:
    out = []
    if start:
        out.append(col >= start)
    if end:
        out.append(col < end)
    return out


TOTAL = "_total"


def paged(conn: Connection, stmt, counted) -> tuple[list, int]:
    """One pass for a page and the number of rows in all: the count rides on each row as a
    window (count(*) OVER ()); only a page past the end asks for the count alone."""
    rows = conn.execute(stmt.add_columns(sa.func.count().over().label(TOTAL))).all()
    if rows:
        return rows, int(getattr(rows[0], TOTAL))
    return rows, conn.execute(sa.select(sa.func.count()).select_from(counted)).scalar_one()


def counted_orders(start: datetime | None, end: datetime | None, scope: ColumnElement) -> list[ColumnElement]:
    return [rm_orders.c.status.in_(REVENUE_STATUSES), *_in_range(rm_orders.c.created_at, start, end), scope]


def sales_performance(conn: Connection, start, end, scope: ColumnElement, limit: int, offset: int):
    o, b = rm_orders, rm_order_balances
    paid = sa.func.sum(sa.func.coalesce(b.c.paid_amount, o.c.paid_amount))
    base = (
        sa.select(o.c.owner_id, o.c.region, sa.func.count().label("orders"), sa.func.sum(o.c.gross).label("revenue"),
                  sa.func.sum(o.c.net).label("net"), paid.label("paid"))
        .select_from(o.outerjoin(b, b.c.order_id == o.c.order_id))
        .where(*counted_orders(start, end, scope)).group_by(o.c.owner_id, o.c.region)
    ).subquery()
    rows, total = paged(conn, sa.select(base, users.c.full_name, users.c.username)
                        .select_from(base.outerjoin(users, users.c.id == base.c.owner_id))
                        .order_by(base.c.revenue.desc(), base.c.owner_id, base.c.region).limit(limit).offset(offset),
                        base)
    items = [{"owner_id": r.owner_id, "owner_name": r.full_name or r.username, "region": r.region,
              "orders": int(r.orders),
              "revenue": _m(r.revenue), "net": _m(r.net), "paid": _m(r.paid),
              "outstanding": _m(Decimal(r.revenue or 0) - Decimal(r.paid or 0))} for r in rows]
    return items, total


CLOSED_STAGES = ("won", "lost")


def sales_by_region(conn: Connection, start, end, scope: ColumnElement, opp_scope: ColumnElement) -> list[dict]:
    """Head office's comparison: per region, counted orders, revenue, net, paid and
    outstanding (receivable) over the period, and the open pipeline (now)."""
    o, b = rm_orders, rm_order_balances
    paid = sa.func.sum(sa.func.coalesce(b.c.paid_amount, o.c.paid_amount))
    rows = conn.execute(
        sa.select(o.c.region, sa.func.count().label("orders"), sa.func.sum(o.c.gross).label("revenue"),
                  sa.func.sum(o.c.net).label("net"), paid.label("paid"),
                  sa.func.count(sa.distinct(o.c.customer_id)).label("customers"))
        .select_from(o.outerjoin(b, b.c.order_id == o.c.order_id))
        .where(*counted_orders(start, end, scope)).group_by(o.c.region)
        .order_by(sa.func.sum(o.c.gross).desc(), o.c.region)
    ).all()
    out = {r.region: {"region": r.region, "orders": int(r.orders), "customers": int(r.customers),
                      "revenue": _m(r.revenue), "net": _m(r.net), "paid": _m(r.paid),
                      "outstanding": _m(Decimal(r.revenue or 0) - Decimal(r.paid or 0)),
                      "open_opportunities": 0, "pipeline": _m(0)} for r in rows}
    opp = rm_opportunities
    for r in conn.execute(  # the pipeline: opportunities still open (any creation date), the caller's
        sa.select(opp.c.region, sa.func.count().label("n"), sa.func.sum(opp.c.amount).label("amount"))
        .where(opp.c.stage.notin_(CLOSED_STAGES), opp_scope).group_by(opp.c.region)
    ):
        row = out.setdefault(r.region, {"region": r.region, "orders": 0, "customers": 0, "revenue": _m(0),
                                        "net": _m(0), "paid": _m(0), "outstanding": _m(0)})
        row.update(open_opportunities=int(r.n), pipeline=_m(r.amount))
    return list(out.values())


def sales_by_industry(conn: Connection, start, end, scope: ColumnElement, limit: int, offset: int):
    """Per the customers' industry (null: not filled in): counted orders, customers, revenue,
    net, paid and outstanding over the period, biggest revenue first."""
    o, b, c = rm_orders, rm_order_balances, rm_customers
    paid = sa.func.sum(sa.func.coalesce(b.c.paid_amount, o.c.paid_amount))
    base = (
        sa.select(c.c.industry, sa.func.count().label("orders"), sa.func.sum(o.c.gross).label("revenue"),
                  sa.func.sum(o.c.net).label("net"), paid.label("paid"),
                  sa.func.count(sa.distinct(o.c.customer_id)).label("customers"))
        .select_from(o.outerjoin(b, b.c.order_id == o.c.order_id)
                     .outerjoin(c, c.c.customer_id == o.c.customer_id))
        .where(*counted_orders(start, end, scope)).group_by(c.c.industry)
    ).subquery()
    rows, total = paged(conn, sa.select(base).order_by(base.c.revenue.desc(), base.c.industry.nulls_last())
                        .limit(limit).offset(offset), base)
    return [{"industry": r.industry, "orders": int(r.orders), "customers": int(r.customers),
             "revenue": _m(r.revenue), "net": _m(r.net), "paid": _m(r.paid),
             "outstanding": _m(Decimal(r.revenue or 0) - Decimal(r.paid or 0))} for r in rows], total


def product_sales(conn: Connection, start, end, scope: ColumnElement, limit: int, offset: int):
    o, line, p = rm_orders, rm_order_lines, rm_products
    # per product and order, then per product: two hashed aggregations (a count of distinct
    # orders per product would sort every line)
    per_order = (
        sa.select(line.c.product_id, sa.func.sum(line.c.quantity).label("quantity"),
                  sa.func.sum(line.c.gross).label("revenue"), sa.func.sum(line.c.net).label("net"))
        .select_from(line.join(o, o.c.order_id == line.c.order_id))
        .where(*counted_orders(start, end, scope)).group_by(line.c.product_id, line.c.order_id)
    ).subquery()
    base = (
        sa.select(per_order.c.product_id, sa.func.sum(per_order.c.quantity).label("quantity"),
                  sa.func.sum(per_order.c.revenue).label("revenue"), sa.func.sum(per_order.c.net).label("net"),
                  sa.func.count().label("orders"))
        .group_by(per_order.c.product_id)
    ).subquery()
    rows, total = paged(conn, sa.select(base, p.c.sku, p.c.name)
                        .select_from(base.outerjoin(p, p.c.product_id == base.c.product_id))
                        .order_by(base.c.revenue.desc(), base.c.product_id).limit(limit).offset(offset), base)
    items = [{"product_id": r.product_id, "sku": r.sku, "name": r.name, "quantity": int(r.quantity),
              "revenue": _m(r.revenue), "net": _m(r.net), "orders": int(r.orders)} for r in rows]
    return items, total


def _bucket(col: ColumnElement, granularity: str) -> ColumnElement:
    return sa.func.date_trunc(granularity, sa.func.timezone("UTC", col))


def customer_trend(conn: Connection, granularity: str, periods: list[Period], scope_col_factory,
                   customers_scope: ColumnElement | None = None, region: str | None = None) -> list[dict]:
    """new / active / lost customers per period. scope_col_factory(col) -> visibility clause;
    customers_scope: the same rule written on rm_customers' own columns (its owner), which
    spares a semi-join over a million customers for new and lost. region: the customers served
    there (new, lost) and the orders placed there (active) only."""
    start, end = periods[0].start, periods[-1].end
    c, o = rm_customers, rm_orders
    counts: dict[str, dict[str, int]] = {}

    def collect(kind: str, stmt) -> None:
        for bucket, n in conn.execute(stmt):
            counts.setdefault(bucket.strftime("%Y-%m-%d"), {})[kind] = int(n)

    live = c.c.status != "deleted"
    if region:
        customers_scope = sa.and_(c.c.region == region,
                                  sa.true() if customers_scope is None else customers_scope)
    bucket = _bucket(c.c.created_at, granularity)
    on_customers = scope_col_factory(c.c.customer_id) if customers_scope is None else customers_scope
    collect("new", sa.select(bucket, sa.func.count()).where(
        live, *_in_range(c.c.created_at, start, end), on_customers).group_by(bucket))
    bucket = _bucket(c.c.lost_at, granularity)
    collect("lost", sa.select(bucket, sa.func.count()).where(
        c.c.status == "lost", *_in_range(c.c.lost_at, start, end), on_customers).group_by(bucket))
    bucket = _bucket(o.c.created_at, granularity)
    active = sa.select(bucket, sa.func.count(sa.distinct(o.c.customer_id))).where(
        o.c.status.in_(REVENUE_STATUSES), *_in_range(o.c.created_at, start, end))
    if region:
        active = active.where(o.c.region == region)
    if customers_scope is None:
        active = active.where(scope_col_factory(o.c.customer_id))
    else:  # a join on the customer's row (hashed) rather than a probe per order
        active = active.select_from(o.join(c, c.c.customer_id == o.c.customer_id)).where(customers_scope)
    collect("active", active.group_by(bucket))
    items = []
    for period in periods:
        got = counts.get(period.start.strftime("%Y-%m-%d"), {})
        items.append({"period": period.label, "start": period.start.date().isoformat(),
                      "end": period.end.date().isoformat(), "new": got.get("new", 0),
                      "active": got.get("active", 0), "lost": got.get("lost", 0)})
    return items


def funnel(conn: Connection, start, end, lead_scope: ColumnElement, opp_scope: ColumnElement) -> dict:
    lead, opp = rm_leads, rm_opportunities
    lead_rows = conn.execute(
        sa.select(sa.func.count(), sa.func.count().filter(lead.c.status == "converted"))
        .where(lead_scope, *_in_range(sa.func.coalesce(lead.c.created_at, lead.c.converted_at), start, end))
    ).one()
    stage_rows = {r.stage: r for r in conn.execute(
        sa.select(opp.c.stage, sa.func.count().label("n"), sa.func.sum(opp.c.amount).label("amount"))
        .where(opp_scope, *_in_range(opp.c.created_at, start, end)).group_by(opp.c.stage))}
    leads, converted = int(lead_rows[0]), int(lead_rows[1])
    items: list[dict] = [{"stage": "leads", "count": leads}, {"stage": "converted", "count": converted}]
    per_stage = {}
    for stage in STAGES:
        r = stage_rows.get(stage)
        count = int(r.n) if r else 0
        per_stage[stage] = count
        items.append({"stage": stage, "count": count, "amount": _m(r.amount if r else 0)})
    opportunities = sum(per_stage.values())
    return {"items": items, "leads": leads, "converted": converted, "opportunities": opportunities,
            "opportunities_by_stage": per_stage, "won": per_stage["won"]}


def _expense_customer(e=rm_expenses):
    """(expenses, the customer column): a claim's customer is its own or, for a claim on an
    order, the order's (a probe of that order only when the claim names no customer)."""
    o = rm_orders.alias("expense_order")
    of_order = sa.select(o.c.customer_id).where(o.c.order_id == e.c.order_id).scalar_subquery()
    return e, sa.func.coalesce(e.c.customer_id, of_order)


def _named_page(conn: Connection, grouped, order_by, limit: int, offset: int, name_join):
    """A page of grouped rows (sorted, with the count of all rows riding on each), and only
    then the page's names (name_join(page) -> (from clause, columns)): naming before paging
    would join every group with a million customers."""
    page = sa.select(grouped, sa.func.count().over().label(TOTAL)).order_by(*order_by(grouped)) \
        .limit(limit).offset(offset).subquery()
    joined, cols = name_join(page)
    rows = conn.execute(sa.select(page, *cols).select_from(joined).order_by(*order_by(page))).all()
    if rows:
        return rows, int(getattr(rows[0], TOTAL))
    return rows, conn.execute(sa.select(sa.func.count()).select_from(grouped)).scalar_one()


def profit_by_customer(conn: Connection, start, end, scope_for, limit: int, offset: int, *,
                       expense_scope: ColumnElement | None = None, with_cost: bool = True,
                       customers_scope: ColumnElement | None = None):
    """Per customer: net revenue of counted orders − cost of goods (current cost price ×
    quantity) − approved/paid expenses linked to the customer or one of its orders.
    scope_for(column) -> the visibility clause on a customer id column; expense_scope
    limits the expenses to the claims the reader may see (on a shared customer, another
    rep's claims stay out); without with_cost the rows carry no cost_of_goods, profit or
    lines_without_cost (cost prices are for admin, finance and managers).

    One aggregation per customer over the orders', their lines' and the claims' amounts
    (a UNION ALL, no joins between the three), paged, then named."""
    o, line, p, e, c = rm_orders, rm_order_lines, rm_products, rm_expenses, rm_customers
    # customers_scope (the rule on rm_customers' columns): a join on the customer's row instead
    # of a probe per order into a team's 200,000 customers; scope_for(true) for admin: nothing
    scoped = customers_scope is not None
    where = counted_orders(start, end, customers_scope if scoped else scope_for(o.c.customer_id))
    orders_in = o.join(c, c.c.customer_id == o.c.customer_id) if scoped else o
    zero = sa.literal(0, Money)
    revenue = sa.select(o.c.customer_id.label("customer_id"), o.c.net.label("net"), o.c.gross.label("gross"),
                        zero.label("cost"), sa.literal(0).label("uncosted"), zero.label("expenses")) \
        .select_from(orders_in).where(*where)
    cogs = sa.select(o.c.customer_id, zero, zero, line.c.quantity * sa.func.coalesce(p.c.cost_price, 0),
                     sa.case((p.c.cost_price.is_(None), 1), else_=0), zero) \
        .select_from(line.join(orders_in, o.c.order_id == line.c.order_id)
                     .outerjoin(p, p.c.product_id == line.c.product_id)).where(*where)
    linked, exp_customer = _expense_customer()
    expenses = sa.select(exp_customer, zero, zero, zero, sa.literal(0), e.c.amount).where(
        e.c.status.in_(COUNTED_EXPENSE_STATUSES), *_in_range(e.c.submitted_at, start, end),
        sa.true() if expense_scope is None else expense_scope)
    if scoped:
        expenses = expenses.select_from(linked.join(c, c.c.customer_id == exp_customer)).where(customers_scope)
    else:
        expenses = expenses.select_from(linked).where(exp_customer.is_not(None), scope_for(exp_customer))
    parts = sa.union_all(revenue, cogs, expenses).subquery()
    grouped = sa.select(
        parts.c.customer_id, sa.func.sum(parts.c.net).label("net"), sa.func.sum(parts.c.gross).label("gross"),
        sa.func.sum(parts.c.cost).label("cost"), sa.func.sum(parts.c.uncosted).label("uncosted"),
        sa.func.sum(parts.c.expenses).label("expenses"),
        (sa.func.sum(parts.c.net) - sa.func.sum(parts.c.cost) - sa.func.sum(parts.c.expenses)).label("profit"),
    ).group_by(parts.c.customer_id).subquery()

    def named(page):
        return page.outerjoin(c, c.c.customer_id == page.c.customer_id), (c.c.name, c.c.owner_id, c.c.region)

    rows, total = _named_page(conn, grouped, lambda t: (t.c.profit.desc(), t.c.customer_id), limit, offset, named)
    items = []
    for r in rows:
        net, cost, exp = Decimal(r.net or 0), Decimal(r.cost or 0), Decimal(r.expenses or 0)
        item = {"customer_id": r.customer_id, "name": r.name, "owner_id": r.owner_id, "region": r.region,
                "revenue": _m(net), "gross": _m(r.gross), "cost_of_goods": _m(cost),
                "expenses": _m(exp), "profit": _m(profit(net, cost, exp)),
                "lines_without_cost": int(r.uncosted or 0)}
        if not with_cost:
            for key in ("cost_of_goods", "profit", "lines_without_cost"):
                del item[key]
        items.append(item)
    return items, total


def receivables_by_owner(conn: Connection, owner_scope: ColumnElement | None, limit: int, offset: int):
    """Per owner (the customer's current owner): invoiced (issued invoices), paid (payments
    in CNY, prepayments included), outstanding and credit summed over their customers. Read
    from the per-customer ledger (services/tracking/ledger.py); owner_scope is written on its
    owner_id / region (None: every owner); customers not known here yet are left out."""
    led = rm_customer_ledger
    per_customer = (sa.select(led.c.owner_id, led.c.region, led.c.customer_id,
                              sa.func.coalesce(led.c.invoiced, 0).label("invoiced"),
                              sa.func.coalesce(led.c.paid, 0).label("paid"))
                    .where(led.c.owner_id.is_not(None), sa.true() if owner_scope is None else owner_scope)).subquery()
    diff = per_customer.c.invoiced - per_customer.c.paid
    per_owner = (
        sa.select(per_customer.c.owner_id, per_customer.c.region, sa.func.count().label("customers"),
                  sa.func.sum(per_customer.c.invoiced).label("invoiced"), sa.func.sum(per_customer.c.paid).label("paid"),
                  sa.func.sum(sa.func.greatest(diff, 0)).label("outstanding"),
                  sa.func.sum(sa.func.greatest(-diff, 0)).label("credit"))
        .group_by(per_customer.c.owner_id, per_customer.c.region)
    ).subquery()
    rows, total = paged(conn, sa.select(per_owner, users.c.full_name, users.c.username)
                        .select_from(per_owner.outerjoin(users, users.c.id == per_owner.c.owner_id))
                        .order_by(per_owner.c.outstanding.desc(), per_owner.c.owner_id, per_owner.c.region)
                        .limit(limit).offset(offset),
                        per_owner)
    items = []
    for r in rows:
        outstanding, credit = Decimal(r.outstanding or 0), Decimal(r.credit or 0)
        items.append({"owner_id": r.owner_id, "owner_name": r.full_name or r.username, "region": r.region,
                      "customers": int(r.customers), "invoiced": _m(r.invoiced), "paid": _m(r.paid), "outstanding": _m(outstanding),
                      "credit": _m(credit)})
    return items, total


def sales_by_month(conn: Connection, year: int, scope: ColumnElement) -> list[dict]:
    """Counted orders per calendar month (UTC) of `year` beside the same month of the year
    before: orders, gross revenue and net."""
    o = rm_orders
    start, end = datetime(year - 1, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    bucket = _bucket(o.c.created_at, "month")
    rows = conn.execute(
        sa.select(bucket.label("month"), sa.func.count().label("orders"), sa.func.sum(o.c.gross).label("revenue"),
                  sa.func.sum(o.c.net).label("net"))
        .where(*counted_orders(start, end, scope)).group_by(bucket)
    ).all()
    got = {(r.month.year, r.month.month): r for r in rows}
    items = []
    for month in range(1, 13):
        this, last = got.get((year, month)), got.get((year - 1, month))
        items.append({"month": f"{year}-{month:02d}", "orders": int(this.orders) if this else 0,
                      "revenue": _m(this.revenue if this else 0), "net": _m(this.net if this else 0),
                      "previous_month": f"{year - 1}-{month:02d}", "previous_orders": int(last.orders) if last else 0,
                      "previous_revenue": _m(last.revenue if last else 0),
                      "previous_net": _m(last.net if last else 0)})
    return items


def expenses_by(conn: Connection, group: str, start, end, expense_scope: ColumnElement | None,
                customer_scope_for, limit: int, offset: int, *, customers_scope: ColumnElement | None = None):
    """Expense claims per submitter or per customer (directly or through its order), within
    the claims the reader may see: count and amount per status group (claimed = every claim
    but the rejected ones; approved = approved or paid; paid). Per customer, customers_scope
    (the visibility rule on rm_customers' columns) is a join on each claim's customer row
    instead of customer_scope_for's semi-join with every customer of the team."""
    e, c = rm_expenses, rm_customers
    if group == "submitter":
        linked, keys = e, (e.c.submitter_id.label("key"), e.c.region)
        where = [e.c.submitter_id.is_not(None)]
    else:
        linked, exp_customer = _expense_customer()
        keys = (exp_customer.label("key"),)
        if customers_scope is not None:
            linked = linked.join(c, c.c.customer_id == exp_customer)
            where = [customers_scope]
        else:
            where = [exp_customer.is_not(None), customer_scope_for(exp_customer)]
    claimed = e.c.status != "rejected"
    # per submitter: one row per submitter and the region the claims were made in
    grouped = (
        sa.select(*keys, sa.func.count().filter(claimed).label("count"),
                  sa.func.coalesce(sa.func.sum(e.c.amount).filter(claimed), 0).label("claimed"),
                  sa.func.coalesce(sa.func.sum(e.c.amount).filter(
                      e.c.status.in_(COUNTED_EXPENSE_STATUSES)), 0).label("approved"),
                  sa.func.coalesce(sa.func.sum(e.c.amount).filter(e.c.status == "paid"), 0).label("paid"),
                  sa.func.coalesce(sa.func.sum(e.c.amount).filter(e.c.status == "submitted"), 0)
                  .label("submitted"))
        .select_from(linked)
        .where(*_in_range(e.c.submitted_at, start, end), sa.true() if expense_scope is None else expense_scope,
               *where)
        .group_by(*keys)
    ).subquery()

    def order(t):
        return (t.c.claimed.desc(), t.c.key, *((t.c.region,) if group == "submitter" else ()))

    def named(page):
        if group == "submitter":
            return (page.outerjoin(users, users.c.id == page.c.key),
                    (users.c.full_name.label("name"), users.c.username.label("alt")))
        return (page.outerjoin(c, c.c.customer_id == page.c.key),
                (c.c.name.label("name"), c.c.owner_id.label("alt"), c.c.region))

    rows, total = _named_page(conn, grouped, order, limit, offset, named)
    items = []
    for r in rows:
        item = {"count": int(r.count), "claimed": _m(r.claimed), "approved": _m(r.approved), "paid": _m(r.paid),
                "submitted": _m(r.submitted), "region": r.region}
        if group == "submitter":
            item.update(submitter_id=r.key, submitter_name=r.name or r.alt)
        else:
            item.update(customer_id=r.key, name=r.name, owner_id=r.alt)
        items.append(item)
    return items, total


AGEING_BUCKETS = (("days_0_30", 0, 30), ("days_31_60", 31, 60), ("days_61_90", 61, 90), ("days_over_90", 91, None))


def receivables_ageing(conn: Connection, owner_scope: ColumnElement | None, as_of: datetime, limit: int,
                       offset: int):
    """Per owner (the customer's current owner): what is still owed by age of the invoice at
    as_of, payments settling the oldest invoices first (so what is open is the newest
    invoices' amounts): 0-30, 31-60, 61-90, over 90 days. Opening balances are billing's alone
    (see /receivables/ageing there per customer). owner_scope: on the ledger's owner_id /
    region (None: every owner).

    Only the customers that owe (the ledger: invoiced over paid; or with a negative invoice,
    where an older invoice could still be open) have their invoices read: a customer who owes
    nothing has nothing open."""
    led, i = rm_customer_ledger, rm_invoices
    paid = sa.func.coalesce(led.c.paid, 0)
    owing = (sa.select(led.c.customer_id, led.c.owner_id, led.c.region, paid.label("paid"))
             .where(led.c.owner_id.is_not(None), sa.true() if owner_scope is None else owner_scope,
                    sa.or_(led.c.invoiced > paid, led.c.negative_invoices > 0))).subquery()
    # partitions by byte order (the same partitions, no collation-aware comparisons)
    customer = i.c.customer_id.collate("C")
    newest_first = {"partition_by": customer, "order_by": (i.c.issued_at.desc(), i.c.invoice_id.desc())}
    inv = (sa.select(i.c.customer_id, owing.c.owner_id, owing.c.region, owing.c.paid, i.c.amount, i.c.issued_at,
                     sa.func.sum(i.c.amount).over(**newest_first).label("newer_incl"),
                     sa.func.sum(i.c.amount).over(partition_by=customer).label("invoiced"))
           .select_from(i.join(owing, owing.c.customer_id == i.c.customer_id)).where(i.c.status != "void")).subquery()
    outstanding = inv.c.invoiced - inv.c.paid
    open_amount = sa.func.greatest(0, sa.func.least(inv.c.amount, outstanding - (inv.c.newer_incl - inv.c.amount)))
    age = sa.func.date_part("day", sa.literal(as_of) - inv.c.issued_at)
    per_invoice = sa.select(inv.c.customer_id, inv.c.owner_id, inv.c.region, open_amount.label("open"),
                            age.label("age")).subquery()
    sums = []
    for name, low, high in AGEING_BUCKETS:
        cond = per_invoice.c.age >= low if high is None else sa.and_(per_invoice.c.age >= low,
                                                                       per_invoice.c.age <= high)
        if low == 0:
            cond = per_invoice.c.age <= high  # invoices dated after as_of count as current
        sums.append(sa.func.coalesce(sa.func.sum(per_invoice.c.open).filter(cond), 0).label(name))
    # per customer, then per owner: two hashed aggregations (a count of distinct customers
    # per owner would sort every open invoice)
    per_customer = (sa.select(per_invoice.c.owner_id, per_invoice.c.region,
                              sa.func.sum(per_invoice.c.open).label("total"), *sums)
                    .where(per_invoice.c.open > 0)
                    .group_by(per_invoice.c.customer_id, per_invoice.c.owner_id, per_invoice.c.region)).subquery()
    per_owner = (sa.select(per_customer.c.owner_id, per_customer.c.region, sa.func.count().label("customers"),
                           sa.func.sum(per_customer.c.total).label("total"),
                           *[sa.func.sum(per_customer.c[name]).label(name) for name, _, _ in AGEING_BUCKETS])
                 .group_by(per_customer.c.owner_id, per_customer.c.region)).subquery()
    rows, total = paged(conn, sa.select(per_owner, users.c.full_name, users.c.username)
                        .select_from(per_owner.outerjoin(users, users.c.id == per_owner.c.owner_id))
                        .order_by(per_owner.c.total.desc(), per_owner.c.owner_id, per_owner.c.region)
                        .limit(limit).offset(offset),
                        per_owner)
    items = [{"owner_id": r.owner_id, "owner_name": r.full_name or r.username, "region": r.region,
              "customers": int(r.customers),
              **{name: _m(getattr(r, name)) for name, _, _ in AGEING_BUCKETS}, "total": _m(r.total)} for r in rows]
    return items, total


def target_attainment(conn: Connection, year: int, month: str | None, order_scope: ColumnElement,
                      target_scope: ColumnElement, limit: int, offset: int) -> tuple[list[dict], int]:
    """Per rep and month of `year` (or the one `month`, YYYY-MM): their target, the revenue
    (incl. tax) of their counted orders placed that month (UTC, as sales-by-month counts it)
    and the attainment in percent (null without a target); a rep with either appears."""
    o, t = rm_orders, rm_sales_targets
    if month:
        first = datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=UTC)
        start, end = first, datetime(first.year + first.month // 12, first.month % 12 + 1, 1, tzinfo=UTC)
    else:
        start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    bucket = sa.func.to_char(_bucket(o.c.created_at, "month"), "YYYY-MM")
    revenue = (
        sa.select(o.c.owner_id, bucket.label("month"), sa.func.sum(o.c.gross).label("revenue"),
                  sa.func.count().label("orders"))
        .where(*counted_orders(start, end, order_scope)).group_by(o.c.owner_id, bucket)
    ).subquery()
    months = [month] if month else [f"{year}-{m:02d}" for m in range(1, 13)]
    targets = (
        sa.select(t.c.owner_id, t.c.month, t.c.amount)
        .where(t.c.amount.is_not(None), t.c.month.in_(months), target_scope)
    ).subquery()
    owner = sa.func.coalesce(targets.c.owner_id, revenue.c.owner_id).label("owner_id")
    period = sa.func.coalesce(targets.c.month, revenue.c.month).label("month")
    joined = (
        sa.select(owner, period, targets.c.amount.label("target"), revenue.c.revenue, revenue.c.orders)
        .select_from(targets.join(revenue, sa.and_(targets.c.owner_id == revenue.c.owner_id,
                                                   targets.c.month == revenue.c.month), full=True))
    ).subquery()
    rows, total = paged(conn, sa.select(joined, users.c.full_name, users.c.username)
                        .select_from(joined.outerjoin(users, users.c.id == joined.c.owner_id))
                        .order_by(joined.c.month, sa.func.coalesce(users.c.full_name, users.c.username),
                                  joined.c.owner_id).limit(limit).offset(offset), joined)
    items = []
    for r in rows:
        revenue_amount = Decimal(r.revenue or 0)
        items.append({
            "owner_id": r.owner_id, "owner_name": r.full_name or r.username, "month": r.month,
            "target": _m(r.target) if r.target is not None else None, "revenue": _m(revenue_amount),
            "orders": int(r.orders or 0),
            "attainment_pct": (str((revenue_amount * 100 / Decimal(r.target)).quantize(Decimal("0.1")))
                               if r.target else None),
        })
    return items, total
