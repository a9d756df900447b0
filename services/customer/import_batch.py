"""Preparing one import batch without touching the database (pure CPU work, done while
the previous batch is being written): validation, duplicates inside the file, new ids,
every row already serialised as JSON and the events to write, per candidate customer, so
the writer only has to keep the candidates the database accepted (and hand their events
to Outbox.add_many, which checks every one against its schema)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.customer.domain.importfile import ImportRow, validate_row
from services.customer.domain.normalize import search_text
from shared.envelope import utcnow
from shared.outbox import NewEvent


@dataclass
class Candidate:
    id: str
    row: dict[str, Any]          # the customers row (JSON-ready)
    acl: str                     # acl_customers row, JSON
    contact: str | None          # contacts row, JSON
    events: list[NewEvent]       # customer.customer.created (+ customer.contact.created)


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


def prepare_batch(batch: list[tuple[int, dict[str, str]]], seen: set[str], *, owner_id: str,
                  existing: Callable[[list[str]], set[str]] | None = None) -> PreparedBatch:
    """Validate rows (errors carry the row number), drop names seen before in the file or
    (through `existing`, given the batch's keys) already in the database, and build rows
    and events for the rest. `seen` is updated."""
    out = PreparedBatch(size=len(batch))
    now = utcnow().isoformat()
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
        out.candidates.append(_candidate(checked, owner_id, now))
    return out


def _candidate(r: ImportRow, owner_id: str, now: str) -> Candidate:
    cid = str(uuid.uuid4())
    row = {"id": cid, "name": r.name, "name_key": r.name_key, "search_text": r.search_text,
           "industry": r.industry, "phone": r.phone, "phone_key": r.phone_key, "address": r.address,
           "category": r.category, "created_at": now}
    snapshot = {"id": cid, "name": r.name, "owner_id": owner_id, "status": "active", "category": r.category,
                "industry": r.industry, "phone": r.phone, "shared_with": [], "lost_reason": None,
                "created_at": now, "website": None, "address": r.address, "custom_fields": {}, "updated_at": now}
    new_events = [NewEvent("customer.customer.created", "customer", cid, snapshot, customer_id=cid)]
    contact = None
    if r.contact_name:
        kid = str(uuid.uuid4())
        contact = _dumps({"id": kid, "customer_id": cid, "name": r.contact_name,
                          "search_text": search_text(r.contact_name), "phone": r.contact_phone,
                          "email": r.contact_email, "created_at": now})
        new_events.append(NewEvent("customer.contact.created", "contact", kid, customer_id=cid, data={
            "id": kid, "customer_id": cid, "name": r.contact_name, "title": None, "phone": r.contact_phone,
            "email": r.contact_email, "is_decision_maker": False}))
    return Candidate(
        id=cid, row=row, acl=_dumps({"id": cid, "name": r.name}), contact=contact,
        events=new_events,
    )
