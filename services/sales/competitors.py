"""The competitors an opportunity names, checked against sales' copy of the customer
service's competitors (fed by customer.competitor.*; services/sales/handlers.py). A
competitor just recorded whose copy is on its way is waited for (shared.copies)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.sales.models import competitors
from shared.copies import CopyMissing
from shared.errors import ValidationFailed


def require_competitors(conn: Connection, competitor_ids: list[str], lost_to: str | None) -> None:
    """422 naming the field when an id is not a known competitor."""
    wanted = set(competitor_ids) | ({lost_to} if lost_to else set())
    if not wanted:
        return
    known = set(conn.execute(sa.select(competitors.c.id).where(competitors.c.id.in_(wanted))).scalars())
    absent = wanted - known
    if not absent:
        return
    field = "lost_to_competitor_id" if lost_to in absent else "competitor_ids"
    unknown = ValidationFailed("unknown competitor", details={field: ["no such competitor"]})
    raise CopyMissing(unknown, *(("competitors", cid) for cid in sorted(absent)))
