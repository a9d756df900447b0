"""Customers: create, list/search, read, change, soft delete/restore, lost (the list's
filters are api/customer_filters.py; the writes services/customer/commands/customers.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate
from psycopg.errors import QueryCanceled
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from services.customer import store
from services.customer.access import (
    load_customer,
)
from services.customer.api import answers as out
from services.customer.api.common import text
from services.customer.api.customer_filters import (
    contact_customer_ids,
    fast_total,
    filters,
    search_clause,
    search_filter,
    search_query,
    sort_order,
)
from services.customer.commands import customers as commands
from services.customer.domain.competitors import CUSTOMER_KINDS
from services.customer.domain.normalize import (
    name_key,
)
from services.customer.domain.rules import (
    CUSTOMER_CREATORS,
)
from services.customer.models import customers
from shared.errors import ValidationFailed
from shared.fields import uuid_field
from shared.identity import Principal
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import (
    event_context,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    require_role,
)

bp = Blueprint("customers", __name__)


class CustomerIn(Schema):
    name = text(300, required=True)
    industry = text(100)
    website = text(300)
    phone = text(50)
    address = text(500)
    category = text(50)
    kind = fields.String(validate=validate.OneOf(CUSTOMER_KINDS))  # default customer
    owner_id = uuid_field()
    custom_fields = fields.Dict(keys=fields.String(), allow_none=True, load_default=None)


class CustomerPatch(CustomerIn):
    class Meta:
        exclude = ("owner_id",)


class LostIn(Schema):
    reason = text(2000, required=True)


def _check_name(name: str) -> str:
    if not name_key(name):
        raise ValidationFailed("invalid name", details={"name": ["must contain letters or digits"]})
    return name.strip()


@bp.post("/customers")
@api_doc(body=CustomerIn, response=out.Customer, status=201, summary="Create a customer")
def create_customer() -> ResponseReturnValue:
    who = principal()
    require_role(CUSTOMER_CREATORS, "create customers", who=who)
    body = load(CustomerIn())
    _check_name(body["name"])
    return jsonify(commands.create_customer(service_context(), event_context(), who, body)), 201


@bp.get("/customers")
@api_doc(response=out.CustomerListPage, summary="Customers (q, status, owner_id, category, industry, kind)")
def list_customers() -> ResponseReturnValue:
    who = principal()
    page, per_page = page_args()
    ctx = service_context()
    estimate = False
    with ctx.engine.begin() as conn:
        if search_query():
            ids, total, estimate = _search_page(conn, who, page, per_page)
            found = {r.id: r for r in conn.execute(sa.select(customers).where(customers.c.id.in_(ids)))}
            rows = [found[i] for i in ids if i in found]
        else:
            where = filters(conn, who)
            order = sort_order()
            total = fast_total(conn, who)
            if total is None:
                total = conn.execute(sa.select(sa.func.count()).select_from(customers).where(*where)).scalar_one()
            rows = conn.execute(
                sa.select(customers).where(*where).order_by(*order)
                .limit(per_page).offset((page - 1) * per_page)
            ).all()
        shared = store.shared_with(conn, [r.id for r in rows])
    return page_response([store.customer_json(r, shared[r.id]) for r in rows], total, page, per_page,
                         total_is_estimate=estimate)


def search_cte(where: list | None = None, limit: int | None = None) -> sa.CTE:
    """The customers matching where (default: q alone), only the columns the filters and
    the order need; at most limit of them."""
    matched = (sa.select(customers.c.id, customers.c.name, customers.c.owner_id, customers.c.created_at,
                         customers.c.status, customers.c.deleted_at, customers.c.category, customers.c.industry,
                         customers.c.kind)
               .where(*(where if where is not None else [search_clause(search_query())])))
    if limit is not None:
        matched = matched.limit(limit)
    return matched.cte("m").prefix_with("MATERIALIZED")


def list_conditions(conn: Connection, who: Principal) -> list:
    """The list's WHERE on customers, searches through the CTE (for exports)."""
    if not search_query():
        return filters(conn, who)
    m = search_cte()
    return [customers.c.id.in_(sa.select(m.c.id).where(*filters(conn, who, m.c, search=False)))]


SEARCH_TIMEOUT_MS = 3000
# A search counts its matches up to this many; past it the total is this figure with
# total_is_estimate (the portal shows "10,000+") and the page is found by walking the
# list's order index instead of sorting every match.
ESTIMATE_FROM = 10_000


def _search_page(conn, who, page: int, per_page: int) -> tuple[list[str], int, bool]:
    """A search: (ids of the page, total, whether the total is a lower bound).

    First the visible matches, found by the search indexes together with the visibility
    and filter indexes (a MATERIALIZED CTE, so the planner cannot trade them for a walk
    down the created_at or owner index), at most ESTIMATE_FROM + 1 of them: up to
    ESTIMATE_FROM they are sorted and paged, and the total is exact. Past it, matches are
    so frequent that walking the order index with q as a row filter meets a page within
    a few thousand rows (services/customer/README.md, "Search at scale"), and the total is
    given as ESTIMATE_FROM (or the rows seen, on a deeper page) with the estimate flag.
    When more than CONTACT_LIST_MAX contacts match q (an e-mail domain, say), the page is
    found by the walk alone, the contacts checked per row, and the total is the rows seen
    so far (a lower bound, flagged) unless the walk ran out on this page."""
    q = search_query()
    base = filters(conn, who, search=False)
    offset = (page - 1) * per_page
    savepoint = conn.begin_nested()
    conn.execute(sa.text(f"SET LOCAL statement_timeout = {SEARCH_TIMEOUT_MS}"))
    try:
        contact_ids = contact_customer_ids(conn, q)
        if contact_ids is None:
            # more contacts match than can be listed: the page by the walk alone; the total
            # is exact only when the walk ran out of matches on this page
            rows = _walk(conn, base, q, None, per_page, offset)
            total, estimate = offset + len(rows), len(rows) == per_page
            if not rows and page > 1:  # past the end: how far it goes
                total = conn.execute(sa.select(sa.func.count()).select_from(customers)
                                     .where(*base, search_filter(q, None))).scalar_one()
        else:
            m = search_cte([*base, search_clause(q, contact_ids)], limit=ESTIMATE_FROM + 1)
            counted = sa.select(sa.func.count()).select_from(m).scalar_subquery()
            rows = conn.execute(
                sa.select(m.c.id, counted.label("total")).order_by(*sort_order(m.c)).limit(per_page).offset(offset)
            ).all()
            total = int(rows[0].total) if rows else int(conn.execute(sa.select(counted)).scalar_one())
            estimate = total > ESTIMATE_FROM
            if estimate:
                rows = _walk(conn, base, q, contact_ids, per_page, offset)
                total = max(ESTIMATE_FROM, offset + len(rows))
    except OperationalError as exc:
        if not isinstance(exc.orig, QueryCanceled):
            raise
        savepoint.rollback()
        raise ValidationFailed("q matches too many customers to list quickly", code="search_too_broad",
                               details={"q": ["matches too many customers; give more of the name"]}) from None
    savepoint.commit()
    return [r.id for r in rows], total, estimate


def _walk(conn: Connection, base: list, q: str, contact_ids: list[str] | None, per_page: int, offset: int) -> list:
    """A page of the search by walking the list's order index with q as a row filter."""
    return conn.execute(
        sa.select(customers.c.id).where(*base, search_filter(q, contact_ids)).order_by(*sort_order())
        .limit(per_page).offset(offset)
    ).all()


@bp.get("/customers/<cid>")
@api_doc(response=out.Customer, summary="A customer")
def get_customer(cid: str) -> ResponseReturnValue:
    ctx = service_context()
    with ctx.engine.connect() as conn:
        row = load_customer(conn, principal(), cid, read=True)
        return jsonify(store.customer_json(row, store.shared_with(conn, [row.id])[row.id]))


@bp.patch("/customers/<cid>")
@api_doc(body=CustomerPatch(partial=True), response=out.Customer, summary="Change a customer")
def update_customer(cid: str) -> ResponseReturnValue:
    body = load(CustomerPatch(), partial=True)
    if not body:
        raise ValidationFailed("nothing to change", details={"_schema": ["give at least one field"]})
    if "name" in body and body["name"] is None:
        raise ValidationFailed("name may not be null", details={"name": ["may not be null"]})
    if "name" in body:
        _check_name(body["name"])
    customer_id = path_id(cid, "customer")
    return jsonify(commands.update_customer(service_context(), event_context(), principal(), customer_id, body))


@bp.delete("/customers/<cid>")
@api_doc(response=out.Customer, summary="Soft-delete a customer")
def delete_customer(cid: str) -> ResponseReturnValue:
    return jsonify(commands.delete_customer(service_context(), event_context(), principal(), path_id(cid, "customer")))


@bp.post("/customers/<cid>/restore")
@api_doc(response=out.Customer, summary="Restore a deleted customer")
def restore_customer(cid: str) -> ResponseReturnValue:
    return jsonify(commands.restore_customer(service_context(), event_context(), principal(), path_id(cid, "customer")))


@bp.post("/customers/<cid>/lost")
@api_doc(body=LostIn, response=out.Customer, summary="Mark a customer lost (reason)")
def mark_lost(cid: str) -> ResponseReturnValue:
    body = load(LostIn())
    return jsonify(commands.mark_lost(service_context(), event_context(), principal(), path_id(cid, "customer"),
                                      body["reason"]))


@bp.post("/customers/<cid>/reactivate")
@api_doc(response=out.Customer, summary="Undo lost")
def reactivate(cid: str) -> ResponseReturnValue:
    """Undo 'lost' (an addition to the contract)."""
    return jsonify(commands.reactivate(service_context(), event_context(), principal(), path_id(cid, "customer")))
