"""The transactional outbox: events are written in the caller's transaction and
published later by the relay (shared.relay). Never publish from a request handler."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared import events
from shared.envelope import Envelope, new_id

NOTIFY_CHANNEL = "crm_outbox"


@dataclass(frozen=True)
class EventContext:
    """Who caused an event and which chain it belongs to."""

    actor_id: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None

    @classmethod
    def caused_by(cls, envelope: Envelope) -> EventContext:
        """The context of a reaction: keeps the actor and correlation, causation = that event."""
        return cls(
            actor_id=envelope.actor_id,
            correlation_id=envelope.correlation_id or envelope.event_id,
            causation_id=envelope.event_id,
        )


class Outbox:
    """Writes events for one producer (service) and region."""

    def __init__(self, producer: str, region: str):
        self.producer = producer
        self.region = region

    def add(
        self,
        conn: Connection,
        ctx: EventContext,
        event_type: str,
        *,
        aggregate_type: str,
        aggregate_id: str,
        data: dict[str, Any],
        customer_id: str | None = None,
        version: int = 1,
    ) -> Envelope:
        """Add an event inside the caller's open transaction.

        The payload is validated against the registered schema (so every producer keeps
        the contract), and aggregate_seq is the next number for that aggregate.
        """
        events.validate(event_type, data, version)
        envelope = Envelope(
            event_id=new_id(),
            event_type=event_type,
            version=version,
            producer=self.producer,
            region=self.region,
            aggregate_type=aggregate_type,
            aggregate_id=str(aggregate_id),
            aggregate_seq=0,
            customer_id=str(customer_id) if customer_id else None,
            actor_id=ctx.actor_id,
            correlation_id=ctx.correlation_id,
            causation_id=ctx.causation_id,
            data=data,
        )
        seq = conn.execute(
            _ADD_SQL,
            {"t": aggregate_type, "i": str(aggregate_id), "event_id": envelope.event_id,
             "routing_key": envelope.routing_key, "payload": envelope.to_json().decode("utf-8"),
             "ch": NOTIFY_CHANNEL},
        ).scalar_one()
        return replace(envelope, aggregate_seq=int(seq))


# The next sequence number of the aggregate, the outbox row with that number in its
# payload, and the relay's wake-up: one round trip. (NOTIFY is delivered at commit.)
_ADD_SQL = sa.text(
    "WITH next_seq AS ("
    " INSERT INTO aggregate_sequences (aggregate_type, aggregate_id, seq) VALUES (:t, :i, 1)"
    " ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET seq = aggregate_sequences.seq + 1"
    " RETURNING seq)"
    " INSERT INTO outbox (event_id, routing_key, payload)"
    " SELECT :event_id, :routing_key, jsonb_set(CAST(:payload AS jsonb), '{aggregate_seq}', to_jsonb(next_seq.seq))"
    " FROM next_seq CROSS JOIN LATERAL pg_notify(:ch, '') AS woken"
    " RETURNING CAST(payload->>'aggregate_seq' AS bigint)"
)


def next_aggregate_seq(conn: Connection, aggregate_type: str, aggregate_id: str) -> int:
    return int(
        conn.execute(
            sa.text(
                "INSERT INTO aggregate_sequences (aggregate_type, aggregate_id, seq) VALUES (:t, :i, 1) "
                "ON CONFLICT (aggregate_type, aggregate_id) "
                "DO UPDATE SET seq = aggregate_sequences.seq + 1 RETURNING seq"
            ),
            {"t": aggregate_type, "i": str(aggregate_id)},
        ).scalar_one()
    )


def pending_count(conn: Connection) -> int:
    return int(conn.execute(sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar_one())
