"""The losses-by-competitor report's query (issue 16): per competitor that won them, the
lost opportunities the caller may count (a visibility clause built by the caller) and
their amount, most lost first. No Flask here."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from services.tracking.models import rm_competitors, rm_opportunities
from services.tracking.reports import _in_range, _m


def losses_by_competitor(conn: Connection, start: datetime | None, end: datetime | None,
                         scope: ColumnElement, limit: int, offset: int) -> tuple[list[dict], int]:
    opp, comp = rm_opportunities, rm_competitors
    amount = sa.func.coalesce(sa.func.sum(opp.c.amount), 0)
    where = [opp.c.stage == "lost", opp.c.lost_to_competitor_id.is_not(None), scope,
             *_in_range(opp.c.created_at, start, end)]
    grouped = (sa.select(opp.c.lost_to_competitor_id.label("competitor_id"), sa.func.count().label("lost"),
                         amount.label("amount"))
               .where(*where).group_by(opp.c.lost_to_competitor_id).subquery())
    stmt = (sa.select(grouped, comp.c.name, sa.func.count().over().label("_total"))
            .select_from(grouped.outerjoin(comp, comp.c.competitor_id == grouped.c.competitor_id))
            .order_by(grouped.c.lost.desc(), grouped.c.amount.desc(), grouped.c.competitor_id)
            .limit(limit).offset(offset))
    rows = conn.execute(stmt).all()
    total = int(rows[0]._total) if rows else conn.execute(
        sa.select(sa.func.count()).select_from(grouped)).scalar_one()
    items = [{"competitor_id": r.competitor_id, "name": r.name, "lost": int(r.lost), "amount": _m(r.amount)}
             for r in rows]
    return items, total
