"""The leads import's batches (mode create only): rows validated, owners named in the file
resolved, duplicates (same e-mail or phone digits as a row before or an existing lead)
counted and skipped, the rest written with their customer.lead.created events and recorded
for the undo, all in one transaction per batch with the job's progress."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.customer.domain.importfile import RowError
from services.customer.domain.lead_import import LeadRow, validate_lead
from services.customer.import_batch import row_error
from services.customer.models import import_changes, leads
from shared.outbox import EventContext, NewEvent, Outbox

SNAPSHOT_KEYS = ("id", "name", "company", "phone", "email", "source", "owner_id", "status")
_EXISTING = sa.text("""
SELECT k FROM (
    SELECT 'e:' || lower(email) AS k FROM leads WHERE lower(email) = ANY(:emails)
    UNION ALL
    SELECT 'p:' || regexp_replace(phone, '[^0-9]', '', 'g') FROM leads
    WHERE phone IS NOT NULL AND regexp_replace(phone, '[^0-9]', '', 'g') = ANY(:phones)
) AS found
""")


@dataclass
class LeadBatch:
    size: int
    rows: list[LeadRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0


def prepare_leads(batch: list[tuple[int, dict[str, Any], list[str]]], seen: set[str], *, owner_id: str,
                  owners: Callable[[str], str | RowError] | None,
                  columns: dict[str, tuple[str, ...]]) -> LeadBatch:
    out = LeadBatch(size=len(batch))
    for number, values, cells in batch:
        checked = validate_lead(number, values)
        owner = owner_id
        if isinstance(checked, LeadRow) and checked.owner and owners is not None:
            found = owners(checked.owner)
            if isinstance(found, RowError):
                checked = found
            else:
                owner = found
        if isinstance(checked, RowError):
            out.errors.append(row_error(number, checked, cells, columns))
            continue
        if any(k in seen for k in checked.keys):
            out.duplicates += 1
            continue
        seen.update(checked.keys)
        object.__setattr__(checked, "owner_id", owner)
        object.__setattr__(checked, "cells", cells)
        out.rows.append(checked)
    return out


def write_leads(conn: Connection, outbox: Outbox, job: Any, batch: LeadBatch) -> tuple[int, int]:
    """(created, duplicates found in the database) for the batch's rows."""
    keys = [k for r in batch.rows for k in r.keys]
    known = set(conn.execute(_EXISTING, {"emails": [k[2:] for k in keys if k.startswith("e:")],
                                         "phones": [k[2:] for k in keys if k.startswith("p:")]}).scalars())
    fresh = [r for r in batch.rows if not any(k in known for k in r.keys)]
    if not fresh:
        return 0, len(batch.rows)
    values = [{"id": str(uuid.uuid4()), "name": r.name, "company": r.company, "phone": r.phone, "email": r.email,
               "source": r.source, "owner_id": r.owner_id or job.owner_id, "status": "new"} for r in fresh]
    conn.execute(leads.insert(), values)
    conn.execute(import_changes.insert(), [{"job_id": job.id, "record_type": "lead", "record_id": v["id"],
                                            "action": "created", "before": None} for v in values])
    ctx = EventContext(actor_id=job.created_by, correlation_id=job.correlation_id or job.id)
    outbox.add_many(conn, ctx, [NewEvent("customer.lead.created", "lead", v["id"], {k: v[k] for k in SNAPSHOT_KEYS})
                                for v in values])
    return len(fresh), len(batch.rows) - len(fresh)
