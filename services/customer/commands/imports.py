"""Import command: queue a customer file (CSV or XLSX, checked within the caps by the view)
for the worker (services/customer/importer.py), which validates, writes and publishes it."""

from __future__ import annotations

import uuid

from services.customer.models import import_jobs
from shared.identity import Principal
from shared.service import ServiceContext


def queue_import(ctx: ServiceContext, p: Principal, filename: str, content: bytes,
                 correlation_id: str | None) -> str:
    """The queued job's id; the worker's events carry the request's correlation id."""
    job_id = str(uuid.uuid4())
    with ctx.engine.begin() as conn:
        conn.execute(import_jobs.insert().values(
            id=job_id, created_by=p.user_id, owner_id=p.user_id, filename=filename, content=content,
            correlation_id=correlation_id, status="queued",
        ))
    return job_id
