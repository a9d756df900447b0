"""Preparing one import batch without touching the database (pure CPU work, done while
the previous batch is being written): validation, duplicates inside the file, new ids,
and every row and event already serialised as JSON, per candidate customer, so the
writer only has to keep the candidates the database accepted."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.customer.domain.importfile import ImportRow, validate_row
from services.customer.domain.normalize import search_text
from shared import events
from shared.envelope import ENVELOPE_FIELDS, Envelope, new_id, utcnow
from shared.outbox import EventContext


@dataclass
class Candidate:
    id: str
    row: dict[str, Any]          # the customers row (JSON-ready)
    acl: str                     # acl_customers row, JSON
    contact: str | None          # contacts row, JSON
    sequences: list[str]         # aggregate_sequences rows, JSON
    outbox: list[str]            # outbox rows, JSON


@dataclass
class PreparedBatch:
    size: int
    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    candidates: list[Candidate] = field(default_factory=list)

    def customers_json(self) -> str:
        return json.dumps([c.row for c in self.candidates], ensure_ascii=False)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _envelope_json(e: Envelope) -> str:
    """An outbox row; Envelope.to_dict() without dataclasses.asdict's deep copy."""
    return _dumps({"event_id": e.event_id, "routing_key": e.routing_key,
                   "payload": {name: getattr(e, name) for name in ENVELOPE_FIELDS}})


def prepare_batch(batch: list[tuple[int, dict[str, str]]], seen: set[str], *, owner_id: str,
                  ctx: EventContext, producer: str, region: str,
                  existing: Callable[[list[str]], set[str]] | None = None) -> PreparedBatch:
    """Validate rows (errors carry the row number), drop names seen before in the file or
    (through `existing`, given the batch's keys) already in the database, and build rows
    and events for the rest. `seen` is updated."""
    out = PreparedBatch(size=len(batch))
    now = utcnow().isoformat()
    checked_kinds: set[str] = set()

    def envelope(event_type: str, aggregate_type: str, aggregate_id: str, customer_id: str,
                 data: dict[str, Any]) -> Envelope:
        if event_type not in checked_kinds:  # one builder per kind: checking one keeps the contract
            events.validate(event_type, data)
            checked_kinds.add(event_type)
        return Envelope(event_id=new_id(), event_type=event_type, version=1, producer=producer, region=region,
                        aggregate_type=aggregate_type, aggregate_id=aggregate_id, aggregate_seq=1,
                        customer_id=customer_id, actor_id=ctx.actor_id, correlation_id=ctx.correlation_id,
                        causation_id=ctx.causation_id, data=data, occurred_at=now)

    valid: list[ImportRow] = []
    for number, values in batch:
        checked = validate_row(number, values)
        if isinstance(checked, str):
            out.errors.append({"row": number, "message": checked})
        else:
            valid.append(checked)
    known = existing([r.name_key for r in valid]) if existing and valid else set()
    for checked in valid:
        if checked.name_key in seen or checked.name_key in known:
            out.duplicates += 1
            continue
        seen.add(checked.name_key)
        out.candidates.append(_candidate(checked, owner_id, now, envelope))
    return out


def _candidate(r: ImportRow, owner_id: str, now: str, envelope) -> Candidate:
    cid = str(uuid.uuid4())
    row = {"id": cid, "name": r.name, "name_key": r.name_key, "search_text": r.search_text,
           "industry": r.industry, "phone": r.phone, "phone_key": r.phone_key, "address": r.address,
           "category": r.category, "created_at": now}
    snapshot = {"id": cid, "name": r.name, "owner_id": owner_id, "status": "active", "category": r.category,
                "industry": r.industry, "phone": r.phone, "shared_with": [], "lost_reason": None,
                "created_at": now, "website": None, "address": r.address, "custom_fields": {}, "updated_at": now}
    envelopes = [envelope("customer.customer.created", "customer", cid, cid, snapshot)]
    contact = None
    if r.contact_name:
        kid = str(uuid.uuid4())
        contact = _dumps({"id": kid, "customer_id": cid, "name": r.contact_name,
                          "search_text": search_text(r.contact_name), "phone": r.contact_phone,
                          "email": r.contact_email, "created_at": now})
        envelopes.append(envelope("customer.contact.created", "contact", kid, cid, {
            "id": kid, "customer_id": cid, "name": r.contact_name, "title": None, "phone": r.contact_phone,
            "email": r.contact_email, "is_decision_maker": False}))
    return Candidate(
        id=cid, row=row, acl=_dumps({"id": cid, "name": r.name}), contact=contact,
        sequences=[_dumps({"aggregate_type": e.aggregate_type, "aggregate_id": e.aggregate_id}) for e in envelopes],
        outbox=[_envelope_json(e) for e in envelopes],
    )
