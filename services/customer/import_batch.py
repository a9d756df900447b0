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

from services.customer.domain.importfile import ImportRow, RowError, validate_row
from services.customer.domain.normalize import search_text
from services.customer.domain.rules import FieldDef
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
    upserts: list[ImportRow] = field(default_factory=list)  # mode upsert: matched (or created) by the writer

    def customers_json(self) -> str:
        return json.dumps([c.row for c in self.candidates], ensure_ascii=False)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


Row = tuple[int, dict[str, Any]] | tuple[int, dict[str, Any], list[str]]
Owners = Callable[[str], "str | RowError"]


def match_key(row: ImportRow, match_on: str) -> str | None:
    """The row's business key for an upsert: normalised name, phone digits, e-mail in lower
    case or the external id as written."""
    if match_on == "phone":
        return row.phone_key
    if match_on == "email":
        return row.email_key
    if match_on == "external_id":
        return row.external_id
    return row.name_key or None


def row_error(number: int, problem: str, cells: list[str] | None = None,
              columns: dict[str, tuple[str, ...]] | None = None) -> dict[str, Any]:
    """An error entry: row, message, the field and the file's column(s), the row's cells."""
    entry: dict[str, Any] = {"row": number, "message": str(problem)}
    fld = getattr(problem, "field", None)
    if fld:
        entry["field"] = fld
        if columns and columns.get(fld):
            entry["column"] = ", ".join(columns[fld])
    if cells is not None:
        entry["cells"] = cells
    return entry


def prepare_batch(batch: list[Row], seen: set[str], *, owner_id: str,
                  existing: Callable[[list[str]], set[str]] | None = None, mode: str = "create",
                  match_on: str = "name", custom_defs: dict[str, FieldDef] | None = None,
                  owners: Owners | None = None, columns: dict[str, tuple[str, ...]] | None = None) -> PreparedBatch:
    """Validate rows (errors carry the row number, the field and column, and the row's cells
    when given), drop names seen before in the file or (through `existing`, given the batch's
    keys) already in the database, and build rows and events for the rest. `seen` is updated.
    Mode upsert: valid rows go to `upserts` (the first row of each match key; the writer
    matches them against the database), the others count as duplicates."""
    out = PreparedBatch(size=len(batch))
    now = utcnow().isoformat()
    valid: list[ImportRow] = []
    upsert = mode == "upsert"
    for item in batch:
        number, values = item[0], item[1]
        cells = item[2] if len(item) > 2 else None
        checked = validate_row(number, values, require_name=not upsert or match_on == "name",
                               custom_defs=custom_defs)
        owner = owner_id
        if isinstance(checked, ImportRow) and checked.owner and owners is not None:
            found = owners(checked.owner)
            if isinstance(found, RowError):
                checked = found
            else:
                owner = found
        if isinstance(checked, str):
            out.errors.append(row_error(number, checked, cells, columns))
            continue
        if upsert:
            key = match_key(checked, match_on)
            if key is None and not checked.name:
                out.errors.append(row_error(number, RowError(f"{match_on} is required to match a customer",
                                                             match_on), cells, columns))
                continue
            if key is not None and key in seen:
                out.duplicates += 1
                continue
            if key is not None:
                seen.add(key)
            out.upserts.append(_with_owner(checked, owner, cells))
        else:
            valid.append(_with_owner(checked, owner, cells))
    if upsert:
        return out
    known = existing([r.name_key for r in valid]) if existing and valid else set()
    for checked in valid:
        if checked.name_key in seen or checked.name_key in known:
            out.duplicates += 1
            continue
        seen.add(checked.name_key)
        out.candidates.append(candidate(checked, checked.owner_id or owner_id, now))
    return out


def _with_owner(row: ImportRow, owner_id: str, cells: list[str] | None) -> ImportRow:
    object.__setattr__(row, "owner_id", owner_id)
    object.__setattr__(row, "cells", cells)
    return row


def candidate(r: ImportRow, owner_id: str, now: str) -> Candidate:
    """A new customer (and its contact) from a valid row: rows and events, serialised."""
    cid = str(uuid.uuid4())
    row = {"id": cid, "name": r.name, "name_key": r.name_key, "search_text": r.search_text,
           "industry": r.industry, "phone": r.phone, "phone_key": r.phone_key, "address": r.address,
           "category": r.category, "created_at": now, "owner_id": owner_id, "website": r.website,
           "external_id": r.external_id, "custom_fields": r.custom_fields or {}}
    snapshot = {"id": cid, "name": r.name, "owner_id": owner_id, "status": "active", "category": r.category,
                "industry": r.industry, "phone": r.phone, "shared_with": [], "lost_reason": None,
                "created_at": now, "website": r.website, "address": r.address,
                "custom_fields": r.custom_fields or {}, "updated_at": now}
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
        id=cid, row=row, acl=_dumps({"id": cid, "name": r.name, "owner_id": owner_id}), contact=contact,
        events=new_events,
    )
