"""Bulk change commands: queue a bulk change (POST /customers/bulk) and its undo
(POST /jobs/{id}/undo) for the worker (services/customer/bulk_worker.py).

The customers a job reaches are fixed here, in the request's transaction: those matching the
ids or the list's filters (the view reads them exactly as GET /customers does) AND that the
caller may change in bulk (domain.bulk.may_bulk_edit: a rep only their own, a manager their
team's, an admin anyone's). Everything a caller could get wrong is refused here (422/403),
so the worker only meets what changed since (a customer deleted or handed over meanwhile)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from services.customer.access import require_user
from services.customer.api.common import field_defs
from services.customer.domain import bulk as rules
from services.customer.domain.rules import OWNER_ROLES, validate_custom_fields
from services.customer.models import bulk_job_items, bulk_jobs, customers
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.identity import Principal
from shared.service import ServiceContext
from shared.visibility import require_assignable_owner, visible_user_ids
from shared.web import is_uuid

BULK_ROLES = ("sales", "manager", "admin")


def editable_clause(conn: Connection, p: Principal, owner_col: ColumnElement | None = None) -> ColumnElement:
    """The customers (by their owner column) a bulk change by p may reach."""
    owner_col = customers.c.owner_id if owner_col is None else owner_col
    if p.role == "admin":
        return sa.true()
    if p.role == "manager":
        return owner_col.in_(visible_user_ids(conn, p))
    if p.role == "sales":
        return owner_col == p.user_id
    raise Forbidden("only sales users, managers and admins change customers in bulk")


def _checked_changes(conn: Connection, p: Principal, body: Mapping[str, Any]) -> dict[str, Any]:
    share_with = body.get("share_with")
    errors = rules.check_target(body)
    errors.update(rules.check_set(body.get("set", {}), share_with))
    if errors:
        raise ValidationFailed("invalid bulk change", details=errors)
    change = dict(body["set"])
    if "owner_id" in change:  # as a transfer by hand: someone the caller may assign to (403 otherwise)
        change["owner_id"] = require_assignable_owner(conn, p, change["owner_id"], field="set.owner_id")
    if share_with is not None:
        require_user(conn, share_with, "share_with", OWNER_ROLES)
    if "custom_fields" in change:
        clean, problems = validate_custom_fields(field_defs(conn), change["custom_fields"], require_all=False)
        if problems:
            raise ValidationFailed("invalid custom fields", details={"set.custom_fields": problems})
        change["custom_fields"] = clean
    if "lost_reason" in change:
        change["lost_reason"] = change["lost_reason"].strip()
    return {"set": change, "share_with": share_with}


_ITEMS_IN_ORDER = sa.text(
    "INSERT INTO bulk_job_items (job_id, seq, customer_id) "
    "SELECT :job, t.n, t.id FROM unnest(CAST(:ids AS varchar[])) WITH ORDINALITY AS t(id, n)")


def _count_items(conn: Connection, job_id: str) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(bulk_job_items)
                        .where(bulk_job_items.c.job_id == job_id)).scalar_one()


def queue_bulk(ctx: ServiceContext, p: Principal, body: Mapping[str, Any], filter_where: list | None,
               correlation_id: str | None) -> dict[str, Any]:
    """The queued job (id, total, errors for ids the caller may not change). filter_where:
    the list's conditions for body["filter"] (None with ids)."""
    if p.role not in BULK_ROLES:
        raise Forbidden("only sales users, managers and admins change customers in bulk")
    job_id = str(uuid.uuid4())
    with ctx.engine.begin() as conn:
        changes = _checked_changes(conn, p, body)
        editable = editable_clause(conn, p)
        errors: list[dict[str, Any]] = []
        conn.execute(bulk_jobs.insert().values(
            id=job_id, kind="bulk", created_by=p.user_id, role=p.role, correlation_id=correlation_id,
            changes=changes, target={"ids": len(body["ids"])} if "ids" in body else {"filter": dict(body["filter"])},
            status="queued"))
        if "ids" in body:
            wanted = list(dict.fromkeys(body["ids"]))
            bad = [i for i in wanted if not is_uuid(i)]
            if bad:
                raise ValidationFailed("invalid ids", details={"ids": [f"not an id: {bad[0][:40]}"]})
            found = set(conn.execute(sa.select(customers.c.id).where(
                customers.c.id == sa.any_(sa.cast(wanted, ARRAY(sa.String))), customers.c.deleted_at.is_(None), editable)).scalars())
            conn.execute(_ITEMS_IN_ORDER, {"job": job_id, "ids": [i for i in wanted if i in found]})
            errors = [{"id": i, "message": "not found or not yours to change"} for i in wanted if i not in found]
        else:
            source = (sa.select(customers.c.id)
                      .where(*(filter_where or []), customers.c.deleted_at.is_(None), editable)
                      .order_by(customers.c.created_at, customers.c.id).limit(rules.MAX_RECORDS + 1).subquery())
            conn.execute(bulk_job_items.insert().from_select(
                ["job_id", "seq", "customer_id"],
                sa.select(sa.literal(job_id), sa.func.row_number().over(), source.c.id)))
        total = _count_items(conn, job_id)
        if total > rules.MAX_RECORDS:
            raise ValidationFailed("too many customers for one bulk change", code="too_many_records",
                                   details={"filter": [f"matches more than {rules.MAX_RECORDS} customers; narrow it"]})
        done = total == 0
        conn.execute(bulk_jobs.update().where(bulk_jobs.c.id == job_id).values(
            total=total, errors=errors[:10000], error_count=len(errors),
            status="done" if done else "queued", finished_at=sa.func.now() if done else None))
    return {"job_id": job_id, "id": job_id, "status": "done" if done else "queued", "total": total}


def queue_undo(ctx: ServiceContext, p: Principal, job_id: str, correlation_id: str | None) -> dict[str, Any]:
    """An undo job for a finished bulk change of the caller's (an admin: anyone's); 409 when
    the job is not finished, is an undo itself or was undone already."""
    undo_id = str(uuid.uuid4())
    with ctx.engine.begin() as conn:
        job = conn.execute(sa.select(bulk_jobs).where(bulk_jobs.c.id == job_id).with_for_update()).first()
        if job is None or not (p.is_admin or job.created_by == p.user_id):
            raise NotFound("job not found")
        if job.kind != "bulk":
            raise Conflict("an undo cannot be undone; run the change again", code="not_undoable")
        if job.undone_by is not None:
            raise Conflict("this bulk change was undone already", code="already_undone",
                           details={"undo_job_id": job.undone_by})
        if job.status != "done":
            raise Conflict("the bulk change has not finished yet", code="job_not_finished",
                           details={"status": job.status})
        conn.execute(bulk_jobs.insert().values(
            id=undo_id, kind="undo", created_by=p.user_id, role=p.role, correlation_id=correlation_id,
            changes=job.changes, target={"job_id": job.id}, undo_of=job.id, status="queued"))
        conn.execute(bulk_job_items.insert().from_select(
            ["job_id", "seq", "customer_id"],
            sa.select(sa.literal(undo_id), bulk_job_items.c.seq, bulk_job_items.c.customer_id)
            .where(bulk_job_items.c.job_id == job.id, bulk_job_items.c.before.is_not(None))))
        total = _count_items(conn, undo_id)
        done = total == 0
        conn.execute(bulk_jobs.update().where(bulk_jobs.c.id == undo_id).values(
            total=total, status="done" if done else "queued", finished_at=sa.func.now() if done else None))
        conn.execute(bulk_jobs.update().where(bulk_jobs.c.id == job.id)
                     .values(undone_by=undo_id, status="undone" if done else job.status))
    return {"job_id": undo_id, "id": undo_id, "status": "done" if done else "queued", "total": total}
