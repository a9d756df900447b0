"""Writing several events to the outbox in a few statements.

shared.outbox.Outbox.add costs three round trips per event (sequence upsert, insert,
notify). A reservation publishes four events (reserved plus a stock.changed per line),
so the saga's throughput was bounded by those round trips. Emitter.emit_many writes the
same rows (same envelope, schema validation, per-aggregate sequence, outbox table, notify)
with one sequence upsert and one insert-and-notify for the whole list; allocate() lets a
caller take the sequence numbers (and so the per-aggregate row locks) before it reads the
figures the events carry, so events of one aggregate are ordered and consistent.
(Proposed for shared/outbox.py as Outbox.add_many; this module goes away once it is there.)
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from marshmallow import Schema, ValidationError
from sqlalchemy.engine import Connection

from shared import events
from shared.consumer import Reactions
from shared.envelope import ENVELOPE_FIELDS, Envelope, new_id
from shared.outbox import NOTIFY_CHANNEL, EventContext, Outbox

_SEQS = sa.text(
    "INSERT INTO aggregate_sequences AS a (aggregate_type, aggregate_id, seq) "
    "SELECT t, i, n FROM unnest(CAST(:t AS varchar[]), CAST(:i AS varchar[]), CAST(:n AS bigint[])) AS x(t, i, n) "
    "ORDER BY t, i ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET seq = a.seq + EXCLUDED.seq "
    "RETURNING a.aggregate_type, a.aggregate_id, a.seq"
)
# Insert the rows and notify the relay in one round trip (a data-modifying CTE always runs).
_INSERT = sa.text(
    "WITH ins AS (INSERT INTO outbox (event_id, routing_key, payload) "
    "SELECT x.e->>'event_id', (x.e->>'event_type') || '.v' || (x.e->>'version'), x.e "
    "FROM jsonb_array_elements(CAST(:batch AS jsonb)) WITH ORDINALITY AS x(e, o) ORDER BY x.o RETURNING 1) "
    "SELECT pg_notify(:ch, '')"
)


_SCHEMAS: dict[str, Schema] = {}


def _validate(event_type: str, data: dict[str, Any]) -> None:
    """events.validate with the schema instance kept (building one per event is costly)."""
    schema = _SCHEMAS.get(event_type)
    if schema is None:
        schema = _SCHEMAS[event_type] = events.spec(event_type).schema()
    try:
        schema.load(data)
    except ValidationError as exc:
        raise events.InvalidEventData(event_type, exc.messages) from exc  # type: ignore[arg-type]


@dataclass
class Emitter:
    """emit(...) like Outbox.add / Reactions.emit, plus emit_many for a list of events."""

    conn: Connection
    outbox: Outbox
    context: EventContext

    @classmethod
    def for_reaction(cls, conn: Connection, reactions: Reactions) -> Emitter:
        # Reactions does not expose its outbox; the consumer built it for this service.
        return cls(conn, reactions._outbox, EventContext.caused_by(reactions.cause))  # noqa: SLF001

    def __call__(self, event_type: str, *, aggregate_type: str, aggregate_id: str, data: dict[str, Any],
                 customer_id: str | None = None) -> Envelope:
        return self.outbox.add(self.conn, self.context, event_type, aggregate_type=aggregate_type,
                               aggregate_id=aggregate_id, data=data, customer_id=customer_id)

    def allocate(self, counts: Counter) -> dict[tuple[str, str], int]:
        """Take the next len sequence numbers of each aggregate (locking their rows in sorted
        order until commit); returns the first number taken per aggregate."""
        keys = sorted(counts)
        if not keys:
            return {}
        rows = self.conn.execute(_SEQS, {"t": [k[0] for k in keys], "i": [k[1] for k in keys],
                                         "n": [counts[k] for k in keys]}).all()
        return {(r.aggregate_type, r.aggregate_id): int(r.seq) - counts[(r.aggregate_type, r.aggregate_id)] + 1
                for r in rows}

    def emit_many(self, items: list[dict[str, Any]], first_seq: dict[tuple[str, str], int] | None = None
                  ) -> list[Envelope]:
        """items: dicts with event_type, aggregate_type, aggregate_id, data, customer_id?.
        first_seq: numbers taken already with allocate() (any aggregate missing is allocated)."""
        if not items:
            return []
        for item in items:
            _validate(item["event_type"], item["data"])
        counts = Counter((item["aggregate_type"], str(item["aggregate_id"])) for item in items)
        next_seq = dict(first_seq or {})
        next_seq.update(self.allocate(Counter({k: n for k, n in counts.items() if k not in next_seq})))
        envelopes = []
        for item in items:
            key = (item["aggregate_type"], str(item["aggregate_id"]))
            seq, next_seq[key] = next_seq[key], next_seq[key] + 1
            envelopes.append(Envelope(
                event_id=new_id(), event_type=item["event_type"], version=1, producer=self.outbox.producer,
                region=self.outbox.region, aggregate_type=key[0], aggregate_id=key[1], aggregate_seq=seq,
                customer_id=str(item["customer_id"]) if item.get("customer_id") else None,
                actor_id=self.context.actor_id, correlation_id=self.context.correlation_id,
                causation_id=self.context.causation_id, data=item["data"],
            ))
        # one JSON array as one parameter: no per-element array escaping on the client
        batch = json.dumps([{f: getattr(e, f) for f in ENVELOPE_FIELDS} for e in envelopes],
                           ensure_ascii=False, separators=(",", ":"))
        self.conn.execute(_INSERT, {"batch": batch, "ch": NOTIFY_CHANNEL})
        return envelopes
