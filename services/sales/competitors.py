"""The competitors and the campaign an opportunity names, checked against sales' copies of
the customer service's competitors and campaigns (fed by customer.competitor.* and
customer.campaign.*; services/sales/handlers.py). One just recorded whose copy is on its way
is waited for (shared.copies)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.sales.models import campaigns, competitors
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


def require_campaign(conn: Connection, campaign_id: str | None) -> None:
    """422 campaign_id when the id is not a known campaign."""
    if campaign_id is None:
        return
    if conn.execute(sa.select(campaigns.c.id).where(campaigns.c.id == campaign_id)).first() is not None:
        return
    unknown = ValidationFailed("unknown campaign", details={"campaign_id": ["no such campaign"]})
    raise CopyMissing(unknown, ("campaigns", campaign_id))
