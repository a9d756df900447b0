"""Customers: create, list/search, read, change, soft delete/restore, lost."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields
from psycopg.errors import QueryCanceled
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from services.customer import store
from services.customer.access import (
    customer_clause,
    granted_customers,
    load_customer,
    require_manage,
    shares,
)
from services.customer.api import answers as out
from services.customer.api.common import field_defs, text
from services.customer.domain.normalize import (
    name_key,
    phone_key,
    phone_query,
    search_fragment,
    search_text,
)
from services.customer.domain.rules import (
    CUSTOMER_CREATORS,
    merge_custom_fields,
    validate_custom_fields,
)
from services.customer.models import contacts, customer_counts, customers
from services.customer.search import fragment_match
from shared.errors import Conflict, ValidationFailed
from shared.fields import uuid_field
from shared.identity import Principal
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import require_assignable_owner, sees_all, visible_user_ids
from shared.web import (
    date_arg,
    event_context,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    require_role,
    uuid_arg,
)

bp = Blueprint("customers", __name__)
STATUSES = ("active", "lost", "deleted")


class CustomerIn(Schema):
    name = text(300, required=True)
    industry = text(100)
    website = text(300)
    phone = text(50)
    address = text(500)
    category = text(50)
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


def _custom_values(conn, values: Any, *, current: dict | None, creating: bool) -> dict:
    clean, errors = validate_custom_fields(field_defs(conn), values, require_all=creating)
    if errors:
        raise ValidationFailed("invalid custom fields", details={"custom_fields": errors})
    return merge_custom_fields(current, clean)


@bp.post("/customers")
@api_doc(body=CustomerIn, response=out.Customer, status=201, summary="Create a customer")
def create_customer() -> ResponseReturnValue:
    who = principal()
    require_role(CUSTOMER_CREATORS, "create customers", who=who)
    body = load(CustomerIn())
    _check_name(body["name"])
    ctx = service_context()
    with ctx.engine.begin() as conn:
        owner_id = require_assignable_owner(conn, who, body.get("owner_id") or who.user_id)
        cid = str(uuid.uuid4())
        names = store.name_columns(body["name"].strip())
        values = {
            "id": cid, **names, "industry": body.get("industry"), "website": body.get("website"),
            "phone": body.get("phone"), "phone_key": phone_key(body.get("phone")) or None,
            "address": body.get("address"), "category": body.get("category"), "owner_id": owner_id,
            "status": "active", "created_by": who.user_id,
            "custom_fields": _custom_values(conn, body.get("custom_fields"), current=None, creating=True),
        }
        store.guarded_write(conn, customers.insert().values(**values), names["name_key"], who=who)
        out = store.publish(conn, ctx.outbox, event_context(), "customer.customer.created", cid)
        out["warnings"] = store.phone_warnings(conn, body.get("phone"), cid)
    return jsonify(out), 201


def _fast_total(conn, who) -> int | None:
    """The total of a list without q, from the counters (owner, status, category, industry)."""
    args = request.args
    if args.get("q") or args.get("created_from") or args.get("created_to"):
        return None
    status = args.get("status")
    counted = sa.select(sa.func.coalesce(sa.func.sum(customer_counts.c.n), 0)).where(
        customer_counts.c.status.in_([status] if status else ["active", "lost"]))
    for name in ("category", "industry"):
        if args.get(name):
            counted = counted.where(customer_counts.c[name] == args[name])
    owner_id = args.get("owner_id")
    if owner_id:
        counted = counted.where(customer_counts.c.owner_id == owner_id)
    if sees_all(who, "customer"):
        return int(conn.execute(counted).scalar_one())
    same_filters = filters(conn, who)[1:]  # [0] is the visibility clause
    granted = granted_customers(conn, who)  # read access through assignment grants
    if who.role not in ("sales", "manager"):
        if not granted:
            return 0
        return int(conn.execute(sa.select(sa.func.count()).select_from(customers).where(
            customers.c.id.in_(granted), *same_filters)).scalar_one())
    team = visible_user_ids(conn, who)
    owned = int(conn.execute(counted.where(customer_counts.c.owner_id.in_(team))).scalar_one())
    shared = sa.select(shares.c.customer_id).where(shares.c.user_id == who.user_id)
    others = conn.execute(sa.select(sa.func.count()).select_from(customers).where(
        sa.or_(customers.c.id.in_(shared), customers.c.id.in_(granted)) if granted else customers.c.id.in_(shared),
        customers.c.owner_id.not_in(team), *same_filters)).scalar_one()
    return owned + int(others)


def filters(conn: Connection, who: Principal, cols: Any = None, *, search: bool = True) -> list:
    """WHERE conditions of the list's query string (visibility always), on the customers
    table or on columns of the same names (the search CTE)."""
    c = customers.c if cols is None else cols
    args = request.args
    where = [customer_clause(conn, who, c.id, c.owner_id, read=True)]
    details = {}
    status = args.get("status")
    if status and status not in STATUSES:
        details["status"] = [f"must be one of {', '.join(STATUSES)}"]
    if status == "deleted":
        where.append(c.deleted_at.is_not(None))
    else:
        where.append(c.deleted_at.is_(None))
        if status:
            where.append(c.status == status)
    owner_id = uuid_arg(args.get("owner_id"), "owner_id")
    if owner_id:
        where.append(c.owner_id == owner_id)
    for name in ("category", "industry"):
        if args.get(name):
            where.append(c[name] == args[name])
    start, end = date_arg("created_from"), date_arg("created_to")
    if start and end and end < start:
        details["created_to"] = ["must not be before created_from"]
    if start:
        where.append(c.created_at >= dt.datetime.combine(start, dt.time.min, dt.UTC))
    if end:
        where.append(c.created_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, dt.UTC))
    q = search_query()
    if details:
        raise ValidationFailed("invalid filters", details=details)
    if q and search:
        where.append(_search_clause(q))
    return where


SORTS = ("name", "-name", "created_at", "-created_at")


def sort_order(cols: Any = None) -> list:
    """ORDER BY of the list's `sort` (newest first by default; the id breaks ties), 422
    on another value. Served by ix_customers_live_created / ix_customers_live_name."""
    c = customers.c if cols is None else cols
    sort = request.args.get("sort") or "-created_at"
    if sort not in SORTS:
        raise ValidationFailed("invalid sort", details={"sort": [f"must be one of {', '.join(SORTS)}"]})
    column = c.name if sort.lstrip("-") == "name" else c.created_at
    if sort.startswith("-"):
        return [column.desc(), c.id.desc()]
    return [column.asc(), c.id.asc()]


def search_query() -> str:
    q = (request.args.get("q") or "").strip()
    if len(q) > 100:
        raise ValidationFailed("invalid filters", details={"q": ["must be at most 100 characters"]})
    return q


MAX_CONTACT_MATCHES = 100_000


def _search_clause(q: str):
    """Customers whose name, phone or a contact's name matches q, as one OR over indexed
    conditions on customers (the contacts' matches come in as an id array), so PostgreSQL
    answers it with one bitmap scan of customers."""
    fragment = search_fragment(q)
    digits = phone_query(q)
    if len(fragment) < 2 and not digits:
        if search_text(q) and not fragment:
            raise ValidationFailed("q is too broad", code="search_too_broad",
                                   details={"q": ["is only a company suffix; give part of the name"]})
        raise ValidationFailed("q is too short", details={"q": ["needs at least 2 letters or 3 digits"]})
    conds = []
    if len(fragment) >= 2:
        conds.append(fragment_match(customers.c.search_text, fragment))
        contact_ids = (sa.select(contacts.c.customer_id).where(fragment_match(contacts.c.search_text, fragment))
                       .limit(MAX_CONTACT_MATCHES).scalar_subquery())
        conds.append(customers.c.id == sa.any_(sa.func.array(contact_ids, type_=ARRAY(sa.String))))
    if digits:
        conds.append(customers.c.phone_key.like(f"%{digits}%"))
    return sa.or_(*conds)


@bp.get("/customers")
@api_doc(page=out.Customer, summary="Customers (q, status, owner_id, category, industry)")
def list_customers() -> ResponseReturnValue:
    who = principal()
    page, per_page = page_args()
    ctx = service_context()
    with ctx.engine.begin() as conn:
        if search_query():
            ids, total = _search_page(conn, who, page, per_page)
            found = {r.id: r for r in conn.execute(sa.select(customers).where(customers.c.id.in_(ids)))}
            rows = [found[i] for i in ids if i in found]
        else:
            where = filters(conn, who)
            order = sort_order()
            total = _fast_total(conn, who)
            if total is None:
                total = conn.execute(sa.select(sa.func.count()).select_from(customers).where(*where)).scalar_one()
            rows = conn.execute(
                sa.select(customers).where(*where).order_by(*order)
                .limit(per_page).offset((page - 1) * per_page)
            ).all()
        shared = store.shared_with(conn, [r.id for r in rows])
    return page_response([store.customer_json(r, shared[r.id]) for r in rows], total, page, per_page)


def search_cte() -> sa.CTE:
    """The customers matching q (only the columns the filters and the order need)."""
    return (sa.select(customers.c.id, customers.c.name, customers.c.owner_id, customers.c.created_at, customers.c.status,
                      customers.c.deleted_at, customers.c.category, customers.c.industry)
            .where(_search_clause(search_query())).cte("m").prefix_with("MATERIALIZED"))


def list_conditions(conn: Connection, who: Principal) -> list:
    """The list's WHERE on customers, searches through the CTE (for exports)."""
    if not search_query():
        return filters(conn, who)
    m = search_cte()
    return [customers.c.id.in_(sa.select(m.c.id).where(*filters(conn, who, m.c, search=False)))]


SEARCH_TIMEOUT_MS = 3000


def _search_page(conn, who, page: int, per_page: int) -> tuple[list[str], int]:
    """A search: the matches are found first by the search indexes alone (a MATERIALIZED
    CTE, so the planner cannot trade them for a walk down the created_at or owner index),
    then filtered by visibility and the other filters, counted and paged."""
    m = search_cte()
    where = filters(conn, who, m.c, search=False)
    order = sort_order(m.c)
    savepoint = conn.begin_nested()
    conn.execute(sa.text(f"SET LOCAL statement_timeout = {SEARCH_TIMEOUT_MS}"))
    try:
        rows = conn.execute(
            sa.select(m.c.id, sa.func.count().over().label("total")).where(*where)
            .order_by(*order).limit(per_page).offset((page - 1) * per_page)
        ).all()
        total = int(rows[0].total) if rows else int(
            conn.execute(sa.select(sa.func.count()).select_from(m).where(*where)).scalar_one())
    except OperationalError as exc:
        if not isinstance(exc.orig, QueryCanceled):
            raise
        savepoint.rollback()
        raise ValidationFailed("q matches too many customers to list quickly", code="search_too_broad",
                               details={"q": ["matches too many customers; give more of the name"]}) from None
    savepoint.commit()
    return [r.id for r in rows], total


@bp.get("/customers/<cid>")
@api_doc(response=out.Customer, summary="A customer")
def get_customer(cid: str) -> ResponseReturnValue:
    ctx = service_context()
    with ctx.engine.connect() as conn:
        row = load_customer(conn, principal(), cid, read=True)
        return jsonify(store.customer_json(row, store.shared_with(conn, [row.id])[row.id]))


def _live(conn, cid: str, *, for_update: bool = True):
    row = load_customer(conn, principal(), path_id(cid, "customer"), for_update=for_update)
    if row.deleted_at is not None:
        raise Conflict("the customer is deleted; restore it first", code="customer_deleted")
    return row


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
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _live(conn, cid)
        changes: dict[str, Any] = {k: body[k] for k in ("industry", "website", "phone", "address", "category")
                                   if k in body}
        if "phone" in changes:
            changes["phone_key"] = phone_key(changes["phone"]) or None
        if "custom_fields" in body:
            changes["custom_fields"] = _custom_values(conn, body["custom_fields"], current=row.custom_fields,
                                                      creating=False)
        statement = customers.update().where(customers.c.id == row.id)
        if "name" in body:
            changes.update(store.name_columns(body["name"].strip()))
            store.guarded_write(conn, statement.values(**changes, updated_at=sa.func.now()),
                                changes["name_key"], exclude_id=row.id, who=principal())
        else:
            conn.execute(statement.values(**changes, updated_at=sa.func.now()))
        out = store.publish(conn, ctx.outbox, event_context(), "customer.customer.updated", row.id)
        out["warnings"] = store.phone_warnings(conn, out["phone"], row.id) if "phone" in changes else []
    return jsonify(out)


@bp.delete("/customers/<cid>")
@api_doc(response=out.Customer, summary="Soft-delete a customer")
def delete_customer(cid: str) -> ResponseReturnValue:
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _live(conn, cid)
        require_manage(conn, principal(), row.owner_id)
        conn.execute(customers.update().where(customers.c.id == row.id)
                     .values(deleted_at=sa.func.now(), updated_at=sa.func.now()))
        out = store.publish(conn, ctx.outbox, event_context(), "customer.customer.deleted", row.id)
    return jsonify(out)


@bp.post("/customers/<cid>/restore")
@api_doc(response=out.Customer, summary="Restore a deleted customer")
def restore_customer(cid: str) -> ResponseReturnValue:
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = load_customer(conn, principal(), path_id(cid, "customer"), for_update=True)
        require_manage(conn, principal(), row.owner_id)
        if row.deleted_at is None:
            raise Conflict("the customer is not deleted", code="not_deleted")
        store.guarded_write(
            conn, customers.update().where(customers.c.id == row.id).values(deleted_at=None, updated_at=sa.func.now()),
            row.name_key, exclude_id=row.id, who=principal())
        out = store.publish(conn, ctx.outbox, event_context(), "customer.customer.restored", row.id)
    return jsonify(out)


@bp.post("/customers/<cid>/lost")
@api_doc(body=LostIn, response=out.Customer, summary="Mark a customer lost (reason)")
def mark_lost(cid: str) -> ResponseReturnValue:
    body = load(LostIn())
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _live(conn, cid)
        if row.status == "lost":
            raise Conflict("the customer is already marked lost", code="already_lost")
        conn.execute(customers.update().where(customers.c.id == row.id)
                     .values(status="lost", lost_reason=body["reason"].strip(), updated_at=sa.func.now()))
        out = store.publish(conn, ctx.outbox, event_context(), "customer.customer.lost", row.id)
    return jsonify(out)


@bp.post("/customers/<cid>/reactivate")
@api_doc(response=out.Customer, summary="Undo lost")
def reactivate(cid: str) -> ResponseReturnValue:
    """Undo 'lost' (an addition to the contract)."""
    ctx = service_context()
    with ctx.engine.begin() as conn:
        row = _live(conn, cid)
        if row.status != "lost":
            raise Conflict("the customer is not lost", code="not_lost")
        conn.execute(customers.update().where(customers.c.id == row.id)
                     .values(status="active", lost_reason=None, updated_at=sa.func.now()))
        out = store.publish(conn, ctx.outbox, event_context(), "customer.customer.updated", row.id)
    return jsonify(out)
