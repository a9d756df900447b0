"""Contact commands: add (also used when a lead is converted), change, delete; each with its
customer.contact.* event."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.customer.access import require_customer_field, visible_record
from services.customer.domain import contacts as rules
from services.customer.domain.normalize import search_text
from services.customer.models import contacts
from services.customer.store import contact_json
from shared.errors import ValidationFailed
from shared.identity import Principal
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext
from shared.storage import BlobStore, forget, replace_file


def _event_data(row: Any) -> dict[str, Any]:
    data = {k: getattr(row, k) for k in ("id", "customer_id", "name", "title", "phone", "email",
                                         "is_decision_maker", "superior_id")}
    data["has_photo"] = row.photo_key is not None
    return data


def _check_superior(conn: Connection, contact_id: str | None, customer_id: str, superior_id: str | None) -> None:
    """422 unless the superior is another contact of the same customer above nobody's loop."""
    if superior_id is None:
        return

    def superior_of(cid: str) -> str | None:
        return conn.execute(sa.select(contacts.c.superior_id).where(contacts.c.id == cid)).scalar()

    owner = conn.execute(sa.select(contacts.c.customer_id).where(contacts.c.id == superior_id)).scalar()
    problem = rules.superior_problem(contact_id, customer_id, superior_id, owner, superior_of)
    if problem:
        raise ValidationFailed("invalid superior", details={"superior_id": [problem]})


def insert_contact(conn: Connection, emit: Emitter, customer_id: str, body: Mapping[str, Any],
                   created_by: str) -> dict[str, Any]:
    """Add a contact and its event in the caller's transaction."""
    _check_superior(conn, None, customer_id, body.get("superior_id"))
    row = conn.execute(
        contacts.insert().values(
            id=str(uuid.uuid4()), customer_id=customer_id, name=body["name"].strip(),
            search_text=search_text(body["name"]), title=body.get("title"), phone=body.get("phone"),
            email=body.get("email"), is_decision_maker=bool(body.get("is_decision_maker")),
            superior_id=body.get("superior_id"), created_by=created_by,
        ).returning(*contacts.c)
    ).one()
    emit("customer.contact.created", aggregate_type="contact", aggregate_id=row.id,
         data=_event_data(row), customer_id=customer_id)
    return contact_json(row)


def visible_contact(conn: Connection, p: Principal, contact_id: str, *, for_update: bool = False,
                    read: bool = False) -> Row:
    """The contact of a customer the caller sees (404 otherwise)."""
    return visible_record(conn, p, contacts, contact_id, "contact", for_update=for_update, read=read)


def add_contact(ctx: ServiceContext, events: EventContext, p: Principal, customer_id: str,
                body: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.transaction(events) as (conn, emit):
        customer = require_customer_field(conn, p, customer_id)
        return insert_contact(conn, emit, customer.id, body, p.user_id)


def update_contact(ctx: ServiceContext, events: EventContext, p: Principal, contact_id: str,
                   body: Mapping[str, Any]) -> Row:
    with ctx.transaction(events) as (conn, emit):
        row = visible_contact(conn, p, contact_id, for_update=True)
        changes = dict(body)
        if changes.get("superior_id") is not None:
            _check_superior(conn, row.id, row.customer_id, changes["superior_id"])
        if "name" in changes:
            changes["name"] = changes["name"].strip()
            changes["search_text"] = search_text(changes["name"])
        row = conn.execute(contacts.update().where(contacts.c.id == row.id)
                           .values(**changes, updated_at=sa.func.now()).returning(*contacts.c)).one()
        emit("customer.contact.updated", aggregate_type="contact", aggregate_id=row.id, data=_event_data(row),
             customer_id=row.customer_id)
    return row


def delete_contact(ctx: ServiceContext, events: EventContext, p: Principal, contact_id: str) -> None:
    with ctx.transaction(events) as (conn, emit):
        row = visible_contact(conn, p, contact_id, for_update=True)
        # those who reported to it report to nobody now (each an update of its own)
        for below in conn.execute(contacts.update().where(contacts.c.superior_id == row.id)
                                  .values(superior_id=None, updated_at=sa.func.now()).returning(*contacts.c)):
            emit("customer.contact.updated", aggregate_type="contact", aggregate_id=below.id,
                 data=_event_data(below), customer_id=below.customer_id)
        conn.execute(contacts.delete().where(contacts.c.id == row.id))
        emit("customer.contact.deleted", aggregate_type="contact", aggregate_id=row.id, data=_event_data(row),
             customer_id=row.customer_id)


def set_photo(ctx: ServiceContext, events: EventContext, p: Principal, contact_id: str, picture: bytes,
              store: BlobStore) -> Row:
    """The contact's photo (already resized), stored before the row names it
    (shared.storage.replace_file)."""
    key = f"contact-photos/{contact_id[:2]}/{contact_id}-{uuid.uuid4().hex}.jpg"

    def write() -> tuple[str | None, Row]:
        with ctx.transaction(events) as (conn, emit):
            row = visible_contact(conn, p, contact_id, for_update=True)
            old = row.photo_key
            row = conn.execute(contacts.update().where(contacts.c.id == row.id)
                               .values(photo_key=key, photo_updated_at=sa.func.now(), updated_at=sa.func.now())
                               .returning(*contacts.c)).one()
            emit("customer.contact.updated", aggregate_type="contact", aggregate_id=row.id,
                 data=_event_data(row), customer_id=row.customer_id)
        return old, row

    return replace_file(store, key, picture, write)


def remove_photo(ctx: ServiceContext, events: EventContext, p: Principal, contact_id: str, store: BlobStore) -> bool:
    """False when the contact had no photo."""
    with ctx.transaction(events) as (conn, emit):
        row = visible_contact(conn, p, contact_id, for_update=True)
        old = row.photo_key
        if old is None:
            return False
        row = conn.execute(contacts.update().where(contacts.c.id == row.id)
                           .values(photo_key=None, photo_updated_at=None, updated_at=sa.func.now())
                           .returning(*contacts.c)).one()
        emit("customer.contact.updated", aggregate_type="contact", aggregate_id=row.id, data=_event_data(row),
             customer_id=row.customer_id)
    forget(store, old)
    return True
