"""The transactional outbox: events are written in the caller's transaction and
published later by the relay (shared.relay). Never publish from a request handler.

- `Outbox.add`: one event (one round trip: sequence, row and the relay's wake-up).
- `Outbox.add_many`: a list of events in two round trips (one sequence upsert for every
  aggregate, one insert-and-notify), each event validated against its schema;
  `take_seqs` lets a caller take the sequence numbers (and so the aggregates' sequence
  row locks) before it reads what the events carry, or inside its own statement
  (`SEQUENCES_CTE`).
- `Emitter`: add / add_many bound to a connection and a context (a request's or a
  reaction's), for code that emits on behalf of either."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared import events
from shared.envelope import ENVELOPE_FIELDS, Envelope, new_id, utcnow

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


@dataclass(frozen=True)
class NewEvent:
    """One event to write with Outbox.add_many."""

    event_type: str
    aggregate_type: str
    aggregate_id: str
    data: dict[str, Any]
    customer_id: str | None = None
    version: int = 1

    @property
    def key(self) -> tuple[str, str]:
        return (self.aggregate_type, str(self.aggregate_id))


SeqKey = tuple[str, str]  # (aggregate_type, aggregate_id)


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

    def add_many(
        self,
        conn: Connection,
        ctx: EventContext,
        items: Sequence[NewEvent],
        *,
        first_seq: Mapping[SeqKey, int] | None = None,
    ) -> list[Envelope]:
        """Add every event of items inside the caller's open transaction, in their order.

        Every payload is validated against its registered schema before anything is
        written (InvalidEventData: nothing written). Each aggregate's events get its next
        numbers, in the order given; first_seq holds numbers already taken with take_seqs
        (or SEQUENCES_CTE) for some aggregates: the others are taken here."""
        if not items:
            return []
        for item in items:
            events.validate(item.event_type, item.data, item.version)
        counts = Counter(item.key for item in items)
        next_seq = dict(first_seq or {})
        next_seq.update(take_seqs(conn, Counter({k: n for k, n in counts.items() if k not in next_seq})))
        occurred_at = utcnow().isoformat()
        envelopes = []
        for item in items:
            key = item.key
            seq, next_seq[key] = next_seq[key], next_seq[key] + 1
            envelopes.append(Envelope(
                event_id=new_id(), event_type=item.event_type, version=item.version, producer=self.producer,
                region=self.region, aggregate_type=key[0], aggregate_id=key[1], aggregate_seq=seq,
                customer_id=str(item.customer_id) if item.customer_id else None,
                actor_id=ctx.actor_id, correlation_id=ctx.correlation_id, causation_id=ctx.causation_id,
                data=item.data, occurred_at=occurred_at,
            ))
        # one JSON array as one parameter: no per-element array escaping on the client
        batch = json.dumps([{f: getattr(e, f) for f in ENVELOPE_FIELDS} for e in envelopes],
                           ensure_ascii=False, separators=(",", ":"))
        conn.execute(_INSERT_MANY_SQL, {"batch": batch, "ch": NOTIFY_CHANNEL})
        return envelopes


def take_seqs(conn: Connection, counts: Mapping[SeqKey, int]) -> dict[SeqKey, int]:
    """Take the next counts[key] sequence numbers of each aggregate (locking their rows, in
    sorted order, until commit); returns the first number taken per aggregate."""
    keys = sorted(k for k, n in counts.items() if n > 0)
    if not keys:
        return {}
    rows = conn.execute(_TAKE_SEQS_SQL, {"st": [k[0] for k in keys], "si": [k[1] for k in keys],
                                         "sn": [counts[k] for k in keys]}).all()
    return first_seqs(((r.aggregate_type, r.aggregate_id, r.seq) for r in rows), counts)


def first_seqs(taken: Iterable[tuple[str, str, int]], counts: Mapping[SeqKey, int]) -> dict[SeqKey, int]:
    """The first number of each run taken by SEQUENCES_CTE ((type, id, last number) rows)."""
    return {(t, i): int(seq) - counts[(t, i)] + 1 for t, i, seq in taken}


@dataclass(frozen=True)
class Emitter:
    """Outbox.add / add_many bound to a connection and the context of what causes the
    events (a request: shared.web.event_context; a reaction: Reactions.context)."""

    conn: Connection
    outbox: Outbox
    context: EventContext

    def __call__(self, event_type: str, *, aggregate_type: str, aggregate_id: str, data: dict[str, Any],
                 customer_id: str | None = None) -> Envelope:
        return self.outbox.add(self.conn, self.context, event_type, aggregate_type=aggregate_type,
                               aggregate_id=aggregate_id, data=data, customer_id=customer_id)

    def many(self, items: Sequence[NewEvent], first_seq: Mapping[SeqKey, int] | None = None) -> list[Envelope]:
        return self.outbox.add_many(self.conn, self.context, items, first_seq=first_seq)


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


# Taking sequence numbers for several aggregates at once, as a CTE named q over the
# parameters :st (types), :si (ids) and :sn (how many each), in sorted order (so two
# writers lock the sequence rows alike); it returns (aggregate_type, aggregate_id, seq)
# with seq the last number taken. A caller may put it into a statement of its own.
SEQUENCES_CTE = (
    "q AS (INSERT INTO aggregate_sequences AS a (aggregate_type, aggregate_id, seq) "
    "SELECT t, i, n FROM unnest(CAST(:st AS varchar[]), CAST(:si AS varchar[]), CAST(:sn AS bigint[])) "
    "AS x(t, i, n) ORDER BY t, i ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET seq = a.seq + EXCLUDED.seq "
    "RETURNING a.aggregate_type, a.aggregate_id, a.seq)"
)
_TAKE_SEQS_SQL = sa.text("WITH " + SEQUENCES_CTE + " SELECT aggregate_type, aggregate_id, seq FROM q")
# Insert the rows and notify the relay in one round trip (a data-modifying CTE always runs).
_INSERT_MANY_SQL = sa.text(
    "WITH ins AS (INSERT INTO outbox (event_id, routing_key, payload) "
    "SELECT x.e->>'event_id', (x.e->>'event_type') || '.v' || (x.e->>'version'), x.e "
    "FROM jsonb_array_elements(CAST(:batch AS jsonb)) WITH ORDINALITY AS x(e, o) ORDER BY x.o RETURNING 1) "
    "SELECT pg_notify(:ch, '')"
)
