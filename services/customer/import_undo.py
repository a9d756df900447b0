"""The import's writes beyond creating customers, in the writer's transaction: upserts (matching
rows against the customers the importer may see, updating only the mapped fields, with the
values before kept in import_changes), owners named in the file, and the undo of an import
(created customers deleted, updated customers and contacts restored, added contacts removed),
each change an event as if done by hand so every service's copy follows."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.customer import store
from services.customer.access import customer_clause
from services.customer.domain.importfile import ImportRow, RowError
from services.customer.domain.normalize import phone_key, search_text
from services.customer.domain.rules import merge_custom_fields
from services.customer.import_batch import Candidate, candidate, match_key, row_error
from services.customer.models import contacts, customers, import_changes, import_jobs, leads
from shared.envelope import utcnow
from shared.identity import Principal
from shared.outbox import EventContext, NewEvent, Outbox
from shared.visibility import is_manager_of, may_assign_to

UNDO_CHUNK = 2000
# Customer columns an upsert may change, by the import field that fills them.
UPDATABLE = ("name", "industry", "phone", "website", "address", "category", "external_id")
_CONTACT_KEYS = ("id", "customer_id", "name", "title", "phone", "email", "is_decision_maker")
LEAD_KEYS = ("id", "name", "company", "phone", "email", "source", "owner_id", "status")


USERS = sa.table("acl_users", sa.column("id"), sa.column("role"), sa.column("active"),
                 sa.column("username"), sa.column("full_name"))


class OwnerResolver:
    """An owner named in the file (user id, username or full name, any case) -> the user id,
    when the importer may assign customers to them (themselves; a manager their team; an admin
    anyone); a RowError otherwise. Users are read once per job."""

    def __init__(self, engine: Engine, importer_id: str):
        self.engine = engine
        self.importer_id = importer_id
        self._by_name: dict[str, str] | None = None
        self._role = ""
        self._allowed: dict[str, bool] = {}

    def _load(self) -> dict[str, str]:
        users = USERS
        by_name: dict[str, str] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(sa.select(users.c.id, users.c.role, users.c.username, users.c.full_name,
                                              users.c.active)):
                if row.id == self.importer_id:
                    self._role = row.role
                if not row.active:
                    continue
                for key in (row.id, row.username, row.full_name):
                    if key:
                        by_name.setdefault(str(key).strip().lower(), row.id)
        return by_name

    def __call__(self, name: str) -> str | RowError:
        if self._by_name is None:
            self._by_name = self._load()
        owner = self._by_name.get(name.strip().lower())
        if owner is None:
            return RowError(f"owner is not a known user: {name}", "owner")
        if owner not in self._allowed:
            with self.engine.connect() as conn:
                manages = self._role == "manager" and is_manager_of(conn, self.importer_id, owner)
            self._allowed[owner] = may_assign_to(self._role, self.importer_id, owner, manages)
        if not self._allowed[owner]:
            return RowError(f"you may not make {name} the owner", "owner")
        return owner


@dataclass
class UpsertResult:
    candidates: list[Candidate] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


# Every column an upsert or an undo may set, with its type in jsonb_to_recordset. A batch's rows
# are written by one UPDATE per set of changed columns, setting only those (an unchanged column
# with an index, such as the name's trigram index, is then left alone).
_SET_COLUMNS = {"name": "varchar", "name_key": "varchar", "search_text": "varchar", "industry": "varchar",
                "phone": "varchar", "phone_key": "varchar", "website": "varchar", "address": "varchar",
                "category": "varchar", "external_id": "varchar", "custom_fields": "jsonb", "owner_id": "varchar"}


def update_customers(conn: Connection, changes: dict[str, dict[str, Any]]) -> list[Any]:
    """Apply {customer id: {column: new value}} (rows locked by the caller) with one statement per
    set of columns; the rows after the change."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for cid, values in changes.items():
        cols = tuple(sorted(c for c in values if c in _SET_COLUMNS))
        if cols:
            groups.setdefault(cols, []).append({"id": cid, **{c: values[c] for c in cols}})
    out: list[Any] = []
    for cols, rows in groups.items():
        sets = ", ".join(f"{c} = t.{c}" for c in cols)
        types = ", ".join(f"{c} {_SET_COLUMNS[c]}" for c in cols)
        out += conn.execute(sa.text(
            f"UPDATE customers AS c SET {sets}, updated_at = now() "  # noqa: S608 - names from _SET_COLUMNS
            f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, {types}) "
            "WHERE c.id = t.id RETURNING c.*"), {"rows": _dumps(rows)}).all()
    return out


_UPSERT_ACL = sa.text("""
INSERT INTO acl_customers (customer_id, owner_id, name, status)
SELECT t.id, t.owner_id, t.name, t.status
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, owner_id varchar, name varchar, status varchar)
ON CONFLICT (customer_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, name = EXCLUDED.name, status = EXCLUDED.status
""")
_RESTORE_CONTACTS = sa.text("""
UPDATE contacts AS k SET phone = CASE WHEN t.b ? 'phone' THEN t.b->>'phone' ELSE k.phone END,
    email = CASE WHEN t.b ? 'email' THEN t.b->>'email' ELSE k.email END, updated_at = now()
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, b jsonb)
WHERE k.id = t.id
RETURNING k.*
""")
_CHANGE_CONTACTS = sa.text("""
UPDATE contacts AS k SET phone = t.phone, email = t.email, updated_at = now()
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, phone varchar, email varchar)
WHERE k.id = t.id
RETURNING k.*
""")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json)


def publish_customers(conn: Connection, outbox: Outbox, ctx: EventContext, event_type: str, rows: list[Any]) -> None:
    """store.publish for many customers at once: their visibility copy and snapshot events
    (their shares are unchanged by imports)."""
    if not rows:
        return
    shared = store.shared_with(conn, [r.id for r in rows])
    conn.execute(_UPSERT_ACL, {"rows": _dumps([{"id": r.id, "owner_id": r.owner_id, "name": r.name,
                                                "status": store.public_status(r)} for r in rows])})
    outbox.add_many(conn, ctx, [NewEvent(event_type, "customer", r.id, store.snapshot(r, shared[r.id]),
                                         customer_id=r.id) for r in rows])


def _contact_events(event_type: str, rows: list[Any]) -> list[NewEvent]:
    return [NewEvent(event_type, "contact", r.id, {k: getattr(r, k) for k in _CONTACT_KEYS}, customer_id=r.customer_id)
            for r in rows]


def _importer(conn: Connection, user_id: str) -> Principal:
    users = USERS
    role = conn.execute(sa.select(users.c.role).where(users.c.id == user_id)).scalar() or "sales"
    return Principal(user_id, role)


def _matches(conn: Connection, who: Principal, match_on: str, keys: list[str]) -> dict[str, list[Any]]:
    """Live customers the importer may see, by match key, row-locked."""
    visible = customer_clause(conn, who, owner_col=customers.c.owner_id)
    if match_on == "email":
        key = sa.func.lower(contacts.c.email)
        query = (sa.select(customers, key.label("match_key")).select_from(customers.join(
            contacts, contacts.c.customer_id == customers.c.id)).where(key.in_(keys))
            .with_for_update(of=customers))
    else:
        column = {"phone": customers.c.phone_key, "external_id": customers.c.external_id}.get(
            match_on, customers.c.name_key)
        query = sa.select(customers, column.label("match_key")).where(column.in_(keys)).with_for_update()
    out: dict[str, list[Any]] = {}
    for row in conn.execute(query.where(customers.c.deleted_at.is_(None), visible).order_by(customers.c.created_at)):
        if all(r.id != row.id for r in out.get(row.match_key, [])):
            out.setdefault(row.match_key, []).append(row)
    return out


def _changes(row: Any, r: ImportRow, fields: set[str]) -> dict[str, Any]:
    """The customer columns the row changes: mapped fields with a value that differs."""
    changes: dict[str, Any] = {}
    for name in UPDATABLE:
        value = getattr(r, name)
        if name in fields and value and value != getattr(row, name):
            changes[name] = value
    if "name" in changes:
        changes.update(store.name_columns(changes["name"]))
    if "phone" in changes:
        changes["phone_key"] = phone_key(changes["phone"]) or None
    if r.custom_fields:
        merged = merge_custom_fields(row.custom_fields, r.custom_fields)
        if merged != (row.custom_fields or {}):
            changes["custom_fields"] = merged
    if "owner" in fields and r.owner and r.owner_id and r.owner_id != row.owner_id:
        changes["owner_id"] = r.owner_id
    return changes


def _taken_names(conn: Connection, keys: dict[str, str]) -> set[str]:
    """Of {name_key: the customer taking it}, the keys another live customer has."""
    if not keys:
        return set()
    rows = conn.execute(sa.select(customers.c.id, customers.c.name_key)
                        .where(customers.c.name_key.in_(list(keys)), customers.c.deleted_at.is_(None)))
    return {k for cid, k in rows if keys.get(k) != cid}


def apply_upserts(conn: Connection, outbox: Outbox, job: Any, rows: list[ImportRow], fields: set[str],
                  columns: dict[str, tuple[str, ...]]) -> UpsertResult:
    """Match each row on the job's key among the customers the importer may see: a match is
    updated (mapped fields only, blank cells leave a value alone), a row matching nothing
    becomes a candidate to create, a key matching several customers is a row error. The
    batch's updates, contacts, undo records and events are written a statement each."""
    out = UpsertResult()
    who = _importer(conn, job.created_by)
    keyed = [(r, match_key(r, job.match_on)) for r in rows]
    found = _matches(conn, who, job.match_on, sorted({k for _r, k in keyed if k}))
    ctx = EventContext(actor_id=job.created_by, correlation_id=job.correlation_id or job.id)
    now = utcnow().isoformat()
    touched: set[str] = set()
    planned: list[tuple[ImportRow, Any, dict[str, Any]]] = []
    for r, key in keyed:
        hits = found.get(key, []) if key else []
        if not hits:
            if r.name:
                out.candidates.append(candidate(r, r.owner_id or job.owner_id, now))
            else:
                out.errors.append(row_error(r.row, RowError(f"no customer matches {job.match_on} {key}",
                                                            job.match_on), r.cells, columns))
            continue
        if len(hits) > 1:
            out.errors.append(row_error(r.row, RowError(
                f"{len(hits)} customers match {job.match_on} {key}; the row was not imported", job.match_on),
                r.cells, columns))
            continue
        row = hits[0]
        if row.id in touched:
            out.unchanged += 1
            continue
        touched.add(row.id)
        planned.append((r, row, _changes(row, r, fields)))
    renamed = {c["name_key"]: row.id for _r, row, c in planned if "name_key" in c}
    taken = _taken_names(conn, renamed)
    existing: dict[tuple[str, str], Any] = {}
    with_contact = [row.id for r, row, _c in planned if r.contact_name]
    if with_contact:
        for k in conn.execute(sa.select(contacts).where(contacts.c.customer_id.in_(with_contact))
                              .order_by(contacts.c.created_at).with_for_update()):
            existing.setdefault((k.customer_id, k.name), k)
    records: list[dict[str, Any]] = []
    new_rows: dict[str, dict[str, Any]] = {}
    new_contacts: list[dict[str, Any]] = []
    changed_contacts: list[dict[str, Any]] = []
    names_used: set[str] = set()
    for r, row, changes in planned:
        if "name_key" in changes and (changes["name_key"] in taken or changes["name_key"] in names_used):
            out.errors.append(row_error(r.row, RowError("another customer has this name", "name"), r.cells, columns))
            continue
        names_used.add(changes.get("name_key", row.name_key))
        contact_changed = False
        if r.contact_name:
            k = existing.get((row.id, r.contact_name))
            if k is None:
                kid = str(uuid.uuid4())
                new_contacts.append({"id": kid, "customer_id": row.id, "name": r.contact_name,
                                     "search_text": search_text(r.contact_name), "phone": r.contact_phone,
                                     "email": r.contact_email, "created_by": job.created_by})
                records.append({"job_id": job.id, "record_type": "contact", "record_id": kid, "action": "created",
                                "before": None})
                contact_changed = True
            else:
                phone = r.contact_phone if "contact_phone" in fields and r.contact_phone else k.phone
                email = r.contact_email if "contact_email" in fields and r.contact_email else k.email
                before = {f: v for f, v, new in (("phone", k.phone, phone), ("email", k.email, email)) if v != new}
                if before:
                    changed_contacts.append({"id": k.id, "phone": phone, "email": email})
                    records.append({"job_id": job.id, "record_type": "contact", "record_id": k.id,
                                    "action": "updated", "before": before})
                    contact_changed = True
        if not changes:
            out.updated += contact_changed
            out.unchanged += not contact_changed
            continue
        records.append({"job_id": job.id, "record_type": "customer", "record_id": row.id, "action": "updated",
                        "before": {k: _json(getattr(row, k)) for k in changes}})
        new_rows[row.id] = changes
        out.updated += 1
    if records:
        conn.execute(import_changes.insert(), records)
    if new_rows:
        publish_customers(conn, outbox, ctx, "customer.customer.updated", update_customers(conn, new_rows))
    events: list[NewEvent] = []
    if new_contacts:
        added = conn.execute(contacts.insert().returning(*contacts.c), new_contacts).all()
        events += _contact_events("customer.contact.created", added)
    if changed_contacts:
        events += _contact_events("customer.contact.updated",
                                  conn.execute(_CHANGE_CONTACTS, {"rows": _dumps(changed_contacts)}).all())
    outbox.add_many(conn, ctx, events)
    return out


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# ---- undo -----------------------------------------------------------------------------

class LostUndo(Exception):
    """Another worker took the undo over."""


def _undo_chunk(conn: Connection, outbox: Outbox, ctx: EventContext, chunk: list[Any]) -> None:
    """Revert a chunk of changes, a statement per kind of change: created customers
    soft-deleted, updated ones restored (a name taken meanwhile is kept), added contacts
    removed, changed contacts restored, imported leads still new disqualified."""
    def ids(record_type: str, action: str) -> list[str]:
        return [c.record_id for c in chunk if c.record_type == record_type and c.action == action]

    created = ids("customer", "created")
    if created:
        gone = conn.execute(customers.update().where(customers.c.id.in_(created), customers.c.deleted_at.is_(None))
                            .values(deleted_at=sa.func.now(), updated_at=sa.func.now()).returning(*customers.c)).all()
        publish_customers(conn, outbox, ctx, "customer.customer.deleted", gone)
    befores = {c.record_id: dict(c.before or {}) for c in chunk if c.record_type == "customer" and c.action == "updated"}
    if befores:
        current = {r.id: r for r in conn.execute(sa.select(customers).where(
            customers.c.id.in_(list(befores)), customers.c.deleted_at.is_(None)).with_for_update())}
        taken = _taken_names(conn, {b["name_key"]: cid for cid, b in befores.items() if "name_key" in b})
        restore: dict[str, dict[str, Any]] = {}
        for cid, before in befores.items():
            if cid not in current:
                continue
            if before.get("name_key") in taken:
                for k in ("name", "name_key", "search_text"):  # the old name was taken meanwhile: keep the new one
                    before.pop(k, None)
            if before:
                restore[cid] = before
        if restore:
            publish_customers(conn, outbox, ctx, "customer.customer.updated", update_customers(conn, restore))
    events: list[NewEvent] = []
    added = ids("contact", "created")
    if added:
        events += _contact_events("customer.contact.deleted", conn.execute(
            contacts.delete().where(contacts.c.id.in_(added)).returning(*contacts.c)).all())
    changed = [{"id": c.record_id, "b": c.before or {}} for c in chunk if c.record_type == "contact"
               and c.action == "updated"]
    if changed:
        events += _contact_events("customer.contact.updated",
                                  conn.execute(_RESTORE_CONTACTS, {"rows": _dumps(changed)}).all())
    lead_ids = ids("lead", "created")
    if lead_ids:  # leads are never deleted: an imported lead still new is disqualified
        for lead in conn.execute(leads.update().where(leads.c.id.in_(lead_ids), leads.c.status == "new")
                                 .values(status="disqualified").returning(*leads.c)):
            events.append(NewEvent("customer.lead.updated", "lead", lead.id,
                                   {k: getattr(lead, k) for k in LEAD_KEYS}))
    outbox.add_many(conn, ctx, events)


def undo_import(engine: Engine, outbox: Outbox, job: Any, lost: threading.Event | None = None, *,
                stop: threading.Event | None = None, heartbeat: Callable[[], None] | None = None) -> None:
    """Revert an import, newest change first, in chunks (each one transaction with the job's
    progress, so an interrupted undo resumes); then the job is `undone` and
    customer.import.undone is published."""
    ctx = EventContext(actor_id=job.created_by, correlation_id=job.correlation_id or job.id)
    held = (import_jobs.c.id == job.id, import_jobs.c.attempts == job.attempts, import_jobs.c.status == "undoing")
    while True:
        if (stop is not None and stop.is_set()) or (lost is not None and lost.is_set()):
            return
        with engine.begin() as conn:
            chunk = conn.execute(
                sa.select(import_changes).where(import_changes.c.job_id == job.id,
                                                import_changes.c.undone_at.is_(None))
                .order_by(import_changes.c.seq.desc()).limit(UNDO_CHUNK).with_for_update(skip_locked=True)).all()
            if not chunk:
                break
            _undo_chunk(conn, outbox, ctx, chunk)
            conn.execute(import_changes.update().where(import_changes.c.job_id == job.id,
                                                       import_changes.c.seq.in_([c.seq for c in chunk]))
                         .values(undone_at=sa.func.now()))
            if not conn.execute(import_jobs.update().where(*held).values(
                    undone=import_jobs.c.undone + len(chunk), heartbeat_at=sa.func.now())).rowcount:
                raise LostUndo()
        if heartbeat is not None:
            heartbeat()
    with engine.begin() as conn:
        row = conn.execute(import_jobs.update().where(*held)
                           .values(status="undone", undone_at=sa.func.now(), content=None)
                           .returning(import_jobs.c.undone, import_jobs.c.created, import_jobs.c.updated)).first()
        if row is None:
            raise LostUndo()
        outbox.add(conn, ctx, "customer.import.undone", aggregate_type="import", aggregate_id=job.id,
                   data={"id": job.id, "deleted": row.created, "restored": row.updated, "changes": row.undone})
