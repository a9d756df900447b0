"""The import's writes beyond creating customers, in the writer's transaction: upserts (matching
rows against the customers the importer may see, updating only the mapped fields, with the
values before kept in import_changes), owners named in the file, and the undo of an import
(created customers deleted, updated customers and contacts restored, added contacts removed),
each change an event as if done by hand so every service's copy follows."""

from __future__ import annotations

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
from shared.outbox import EventContext, Outbox
from shared.visibility import is_manager_of, may_assign_to

UNDO_CHUNK = 500
# Customer columns an upsert may change, by the import field that fills them.
UPDATABLE = ("name", "industry", "phone", "website", "address", "category", "external_id")
_CONTACT_KEYS = ("id", "customer_id", "name", "title", "phone", "email", "is_decision_maker")


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


def _record(conn: Connection, job_id: str, record_type: str, record_id: str, action: str,
            before: dict[str, Any] | None) -> None:
    conn.execute(import_changes.insert().values(job_id=job_id, record_type=record_type, record_id=record_id,
                                                action=action, before=before))


def _upsert_contact(conn: Connection, outbox: Outbox, ctx: EventContext, job: Any, customer_id: str,
                    r: ImportRow, fields: set[str]) -> bool:
    """The row's contact on a matched customer: the one of the same name updated (its mapped
    phone and e-mail), else added. True when something changed."""
    if not r.contact_name:
        return False
    row = conn.execute(sa.select(contacts).where(contacts.c.customer_id == customer_id,
                                                 contacts.c.name == r.contact_name)
                       .order_by(contacts.c.created_at).limit(1).with_for_update()).first()
    if row is None:
        kid = str(uuid.uuid4())
        conn.execute(contacts.insert().values(
            id=kid, customer_id=customer_id, name=r.contact_name, search_text=search_text(r.contact_name),
            phone=r.contact_phone, email=r.contact_email, created_by=job.created_by))
        _record(conn, job.id, "contact", kid, "created", None)
        new = conn.execute(sa.select(contacts).where(contacts.c.id == kid)).one()
        outbox.add(conn, ctx, "customer.contact.created", aggregate_type="contact", aggregate_id=kid,
                   data={k: getattr(new, k) for k in _CONTACT_KEYS}, customer_id=customer_id)
        return True
    changes = {}
    if "contact_phone" in fields and r.contact_phone and r.contact_phone != row.phone:
        changes["phone"] = r.contact_phone
    if "contact_email" in fields and r.contact_email and r.contact_email != row.email:
        changes["email"] = r.contact_email
    if not changes:
        return False
    _record(conn, job.id, "contact", row.id, "updated", {k: getattr(row, k) for k in changes})
    conn.execute(contacts.update().where(contacts.c.id == row.id).values(**changes, updated_at=sa.func.now()))
    new = conn.execute(sa.select(contacts).where(contacts.c.id == row.id)).one()
    outbox.add(conn, ctx, "customer.contact.updated", aggregate_type="contact", aggregate_id=row.id,
               data={k: getattr(new, k) for k in _CONTACT_KEYS}, customer_id=customer_id)
    return True


def apply_upserts(conn: Connection, outbox: Outbox, job: Any, rows: list[ImportRow], fields: set[str],
                  columns: dict[str, tuple[str, ...]]) -> UpsertResult:
    """Match each row on the job's key among the customers the importer may see: a match is
    updated (mapped fields only, blank cells leave a value alone), a row matching nothing
    becomes a candidate to create, a key matching several customers is a row error."""
    out = UpsertResult()
    who = _importer(conn, job.created_by)
    keyed = [(r, match_key(r, job.match_on)) for r in rows]
    found = _matches(conn, who, job.match_on, sorted({k for _r, k in keyed if k}))
    ctx = EventContext(actor_id=job.created_by, correlation_id=job.correlation_id or job.id)
    now = utcnow().isoformat()
    touched: set[str] = set()
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
        changes = _changes(row, r, fields)
        if "name_key" in changes and store.find_duplicate(conn, changes["name_key"], exclude_id=row.id):
            out.errors.append(row_error(r.row, RowError("another customer has this name", "name"), r.cells,
                                        columns))
            continue
        contact_changed = _upsert_contact(conn, outbox, ctx, job, row.id, r, fields)
        if not changes:
            out.updated += contact_changed
            out.unchanged += not contact_changed
            continue
        _record(conn, job.id, "customer", row.id, "updated", {k: _json(getattr(row, k)) for k in changes})
        conn.execute(customers.update().where(customers.c.id == row.id).values(**changes, updated_at=sa.func.now()))
        store.publish(conn, outbox, ctx, "customer.customer.updated", row.id)
        out.updated += 1
    return out


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# ---- undo -----------------------------------------------------------------------------

class LostUndo(Exception):
    """Another worker took the undo over."""


def _undo_lead(conn: Connection, outbox: Outbox, ctx: EventContext, change: Any) -> None:
    """Leads are never deleted here (no service forgets one): an imported lead still new is
    disqualified; one worked on meanwhile (converted or disqualified) is left alone."""
    row = conn.execute(sa.select(leads).where(leads.c.id == change.record_id).with_for_update()).first()
    if row is None or row.status != "new":
        return
    new = conn.execute(leads.update().where(leads.c.id == row.id).values(status="disqualified")
                       .returning(*leads.c)).one()
    outbox.add(conn, ctx, "customer.lead.updated", aggregate_type="lead", aggregate_id=row.id,
               data={k: getattr(new, k) for k in ("id", "name", "company", "phone", "email", "source", "owner_id",
                                                  "status")})


def _undo_one(conn: Connection, outbox: Outbox, ctx: EventContext, change: Any) -> None:
    if change.record_type == "lead":
        _undo_lead(conn, outbox, ctx, change)
        return
    if change.record_type == "customer":
        row = conn.execute(sa.select(customers).where(customers.c.id == change.record_id).with_for_update()).first()
        if row is None or row.deleted_at is not None:
            return
        if change.action == "created":
            conn.execute(customers.update().where(customers.c.id == row.id)
                         .values(deleted_at=sa.func.now(), updated_at=sa.func.now()))
            store.publish(conn, outbox, ctx, "customer.customer.deleted", row.id)
            return
        before = dict(change.before or {})
        if "name_key" in before and store.find_duplicate(conn, before["name_key"], exclude_id=row.id):
            for k in ("name", "name_key", "search_text"):  # the old name was taken meanwhile: keep the new one
                before.pop(k, None)
        if before:
            conn.execute(customers.update().where(customers.c.id == row.id).values(**before, updated_at=sa.func.now()))
            store.publish(conn, outbox, ctx, "customer.customer.updated", row.id)
        return
    row = conn.execute(sa.select(contacts).where(contacts.c.id == change.record_id).with_for_update()).first()
    if row is None:
        return
    if change.action == "created":
        conn.execute(contacts.delete().where(contacts.c.id == row.id))
        outbox.add(conn, ctx, "customer.contact.deleted", aggregate_type="contact", aggregate_id=row.id,
                   data={k: getattr(row, k) for k in _CONTACT_KEYS}, customer_id=row.customer_id)
        return
    conn.execute(contacts.update().where(contacts.c.id == row.id).values(**(change.before or {}),
                                                                         updated_at=sa.func.now()))
    new = conn.execute(sa.select(contacts).where(contacts.c.id == row.id)).one()
    outbox.add(conn, ctx, "customer.contact.updated", aggregate_type="contact", aggregate_id=row.id,
               data={k: getattr(new, k) for k in _CONTACT_KEYS}, customer_id=row.customer_id)


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
            for change in chunk:
                _undo_one(conn, outbox, ctx, change)
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
