"""Rebuild every read model (rm_*) from the stored events, in stored order.

The live consumer applies the same projection functions in the same (arrival) order,
so a rebuild gives the same reports. Everything happens in one transaction: readers see
the old read models until it commits. Notifications are not rebuilt (they record who
was told, and replaying would tell users who did not exist then); the visibility copies
(acl_*) are not truncated either (they may predate the stored events).
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.tracking.models import READ_MODELS, events
from services.tracking.projections import PROJECTIONS, projection_handlers
from shared.consumer import Reactions
from shared.envelope import Envelope
from shared.outbox import Outbox

log = logging.getLogger("crm.tracking.rebuild")

BATCH = 5000


def _envelope(row) -> Envelope:
    return Envelope(
        event_type=row.event_type, aggregate_type=row.aggregate_type, aggregate_id=row.aggregate_id,
        data=row.data, producer=row.service, region=row.region or "", aggregate_seq=row.aggregate_seq,
        version=row.version, customer_id=row.customer_id, actor_id=row.actor_id,
        correlation_id=row.correlation_id, causation_id=row.causation_id, event_id=row.event_id,
        occurred_at=row.occurred_at.isoformat(),
    )


def rebuild(engine: Engine, *, batch: int = BATCH) -> int:
    """Truncate the read models and replay every stored event; returns events replayed."""
    handlers = projection_handlers()
    patterns = handlers.patterns
    outbox = Outbox("tracking", "")
    started, replayed, last = time.monotonic(), 0, 0
    with engine.begin() as conn:
        # versions first, then the tables (the order a live handler takes its locks in)
        conn.execute(sa.text("DELETE FROM projection_versions WHERE projection = ANY(:p)"),
                     {"p": list(PROJECTIONS)})
        conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in READ_MODELS)))
        prefixes = sorted({p.split(".#")[0] + "." for p in patterns})
        relevant = sa.or_(*[events.c.event_type.startswith(p) for p in prefixes])
        while True:
            rows = conn.execute(
                sa.select(events).where(events.c.seq > last, relevant).order_by(events.c.seq).limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                envelope = _envelope(row)
                for _name, fn in handlers.for_event(envelope.event_type):
                    fn(conn, envelope, Reactions(outbox, conn, envelope))
            replayed += len(rows)
            last = rows[-1].seq
    log.info("rebuilt read models from %d events in %.1fs", replayed, time.monotonic() - started)
    return replayed
