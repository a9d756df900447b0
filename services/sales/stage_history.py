"""Stage history in SQL (issue 16; rules in domain/stage_history.py): one row per stage change
of an opportunity, written in the transaction of the change (create, PATCH, a converted lead's
opportunity), read by GET /opportunities/{id}/stage-history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.sales.domain.stage_history import StageChange, is_change, with_durations
from services.sales.models import opportunity_stage_changes as changes


def record(conn: Connection, opportunity_id: str, from_stage: str | None, to_stage: str, by: str | None,
           at: datetime | None = None) -> None:
    if not is_change(from_stage, to_stage):
        return
    conn.execute(changes.insert().values(id=str(uuid.uuid4()), opportunity_id=opportunity_id, from_stage=from_stage,
                                         to_stage=to_stage, changed_by=by, changed_at=at or datetime.now(UTC)))


def history(conn: Connection, opportunity_id: str) -> list[dict]:
    rows = conn.execute(sa.select(changes).where(changes.c.opportunity_id == opportunity_id)
                        .order_by(changes.c.changed_at, changes.c.id).limit(1000)).all()
    return with_durations(StageChange(r.from_stage, r.to_stage, r.changed_by, r.changed_at) for r in rows)
