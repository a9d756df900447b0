"""Import commands: queue a file (CSV/TSV or XLSX, checked within the caps by the view) for the
worker (services/customer/importer.py), which validates, writes and publishes it; queue the
undo of a finished import (the same worker reverts it)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from services.customer.models import import_jobs
from shared.errors import Conflict, NotFound
from shared.identity import Principal
from shared.service import ServiceContext

MODES = ("create", "upsert")
MATCH_KEYS = ("name", "phone", "email", "external_id")
UNDOABLE = ("done", "failed")


def queue_import(ctx: ServiceContext, p: Principal, filename: str, content: bytes,
                 correlation_id: str | None, *, kind: str = "customers", mapping: dict[str, Any] | None = None,
                 mode: str = "create", match_on: str = "name", header: list[str] | None = None) -> str:
    """The queued job's id; the worker's events carry the request's correlation id."""
    job_id = str(uuid.uuid4())
    with ctx.engine.begin() as conn:
        conn.execute(import_jobs.insert().values(
            id=job_id, created_by=p.user_id, owner_id=p.user_id, filename=filename, content=content,
            correlation_id=correlation_id, status="queued", kind=kind, mapping=mapping, mode=mode,
            match_on=match_on, header=header,
        ))
    return job_id


def queue_undo(ctx: ServiceContext, p: Principal, job_id: str) -> dict[str, Any]:
    """Mark a finished import for undoing (its creator or an admin). 409 when it is still
    running, already undone or being undone."""
    with ctx.engine.begin() as conn:
        where = [import_jobs.c.id == job_id]
        if not p.is_admin:
            where.append(import_jobs.c.created_by == p.user_id)
        row = conn.execute(sa.select(import_jobs.c.id, import_jobs.c.status).where(*where)
                           .with_for_update()).first()
        if row is None:
            raise NotFound("import not found")
        if row.status not in UNDOABLE:
            raise Conflict(f"an import that is {row.status} cannot be undone", code="not_undoable",
                           details={"status": row.status})
        conn.execute(import_jobs.update().where(import_jobs.c.id == job_id)
                     .values(status="undo_queued", heartbeat_at=None, attempts=0))
    return {"id": job_id, "status": "undo_queued"}
