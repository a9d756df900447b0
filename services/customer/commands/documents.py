"""Document commands: upload, change title and tags, soft delete, restore; and the reads
that decide who sees a document.

Visibility follows the customer: a document with a customer (directly, or through the
record it is attached to) is seen by whoever may read that customer (assignment grants
count) and uploaded, changed, deleted or restored by whoever may write to it; a document
without one is in the shared knowledge base, seen by every user and changed by its
uploader, a manager above them or an admin. A record of another service (opportunity,
quote, order, contract, project) is known here from sales' events (related_records, a
copy a request waits for, shared.copies); a service order is this service's own, and its
assignee (who holds only read access to the customer) may add documents to it and change
those, as they may change the service order itself.

The bytes go to the BlobStore last inside the transaction (a refusal stores nothing) and
are removed again if the transaction does not commit; a soft delete keeps them."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.customer.access import load_customer, require_customer_field
from services.customer.domain.documents import may_change_knowledge_base, search_text
from services.customer.models import documents, related_records, service_orders
from shared.copies import CopyMissing
from shared.doctypes import DocumentType
from shared.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from shared.identity import Principal
from shared.outbox import Emitter, EventContext
from shared.service import ServiceContext
from shared.storage import BlobMissing, BlobStore
from shared.visibility import is_manager_of

log = logging.getLogger("crm.customer.documents")

SALES_RECORD_TYPES = ("opportunity", "quote", "order", "contract", "project")


class DocumentUnreadable(DomainError):
    """The stored file is gone or does not match its checksum (storage damaged or changed
    behind our back): never the client's fault, so a 500 with its own code."""

    status = 500
    code = "document_corrupt"


def storage_key(document_id: str) -> str:
    return f"documents/{document_id[:2]}/{document_id}"


def snapshot(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in ("id", "customer_id", "related_type", "related_id", "title", "filename",
                                         "content_type", "size", "sha256", "uploaded_by")} | {"tags": list(row.tags)}


def _emit(emit: Emitter, event_type: str, row: Any) -> None:
    emit(event_type, aggregate_type="document", aggregate_id=row.id, customer_id=row.customer_id,
         data=snapshot(row))


# ---- whose document --------------------------------------------------------------

def related_customer(conn: Connection, related_type: str, related_id: str) -> str:
    """The customer of the record a document is attached to; 422 on related_id when there is
    no such record (a sales record whose copy has not arrived yet is waited for)."""
    unknown = ValidationFailed(f"unknown {related_type}", details={"related_id": [f"no such {related_type}"]})
    if related_type == "service_order":
        customer_id = conn.execute(sa.select(service_orders.c.customer_id)
                                   .where(service_orders.c.id == related_id)).scalar()
        if customer_id is None:
            raise unknown
        return customer_id
    customer_id = conn.execute(sa.select(related_records.c.customer_id).where(
        related_records.c.record_id == related_id, related_records.c.record_type == related_type)).scalar()
    if customer_id is None:
        raise CopyMissing(unknown, ("related_records", related_id))
    return customer_id


def _owning_customer(conn: Connection, p: Principal, body: Mapping[str, Any]) -> str | None:
    """The customer the new document hangs off (the caller must be able to write to it), or
    None for the knowledge base."""
    related_type, related_id, customer_id = body.get("related_type"), body.get("related_id"), body.get("customer_id")
    if related_type:
        try:
            owner = related_customer(conn, related_type, related_id)
            if related_type == "service_order" and _assignee_of(conn, p, related_id):
                customer = load_customer(conn, p, owner, read=True)  # the assignee adds photos, reports
            else:
                customer = require_customer_field(conn, p, owner, "related_id")
        except NotFound:
            # a record of a customer the caller may not see is answered as an unknown one
            raise ValidationFailed(f"unknown {related_type}",
                                   details={"related_id": [f"no such {related_type}"]}) from None
        if customer_id and customer_id != customer.id:
            raise ValidationFailed("the record belongs to another customer",
                                   details={"customer_id": ["not the customer of the related record"]})
        return customer.id
    if customer_id:
        return require_customer_field(conn, p, customer_id).id
    return None


def _assignee_of(conn: Connection, p: Principal, service_order_id: str) -> bool:
    """Whether the caller is the service order's assignee (who may change it as its owner could)."""
    return conn.execute(sa.select(service_orders.c.assignee_id).where(service_orders.c.id == service_order_id)
                        ).scalar() == p.user_id


def visible_document(conn: Connection, p: Principal, document_id: str, *, for_update: bool = False) -> Row:
    """The document when the caller may read it (404 otherwise)."""
    query = sa.select(documents).where(documents.c.id == document_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound("document not found")
    if row.customer_id is not None:
        try:
            load_customer(conn, p, row.customer_id, read=True)
        except NotFound:
            raise NotFound("document not found") from None
    return row


def _changeable_document(conn: Connection, p: Principal, document_id: str) -> Row:
    """The document, row-locked, when the caller may change it: write access to its
    customer, or for the knowledge base its uploader, a manager above them or admin (403)."""
    row = visible_document(conn, p, document_id, for_update=True)
    if row.customer_id is not None:
        if not (row.related_type == "service_order" and _assignee_of(conn, p, row.related_id)):
            load_customer(conn, p, row.customer_id)  # 403 for read-only access
        return row
    manages = p.role == "manager" and is_manager_of(conn, p.user_id, row.uploaded_by)
    if not may_change_knowledge_base(p.role, p.user_id, row.uploaded_by, manages):
        raise Forbidden("only the uploader, a manager above them or an admin may change a knowledge-base document")
    return row


# ---- writes ----------------------------------------------------------------------

def upload(ctx: ServiceContext, events: EventContext, store: BlobStore, p: Principal, *, data: bytes,
           kind: DocumentType, filename: str, title: str, tags: list[str], body: Mapping[str, Any]) -> Row:
    """A new document (customer.document.uploaded); `kind` and `filename` are what
    shared.doctypes decided from the bytes."""
    document_id = str(uuid.uuid4())
    key = storage_key(document_id)
    stored = False
    try:
        with ctx.transaction(events) as (conn, emit):
            customer_id = _owning_customer(conn, p, body)
            row = conn.execute(documents.insert().values(
                id=document_id, customer_id=customer_id,
                related_type=body.get("related_type") or None, related_id=body.get("related_id") or None,
                title=title, filename=filename, content_type=kind.content_type, size=len(data),
                sha256=hashlib.sha256(data).hexdigest(), storage_key=key, tags=tags,
                search_text=search_text(title, filename, tags), uploaded_by=p.user_id,
            ).returning(*documents.c)).one()
            _emit(emit, "customer.document.uploaded", row)
            store.put(key, data)
            stored = True
    except BaseException:
        if stored:
            store.delete(key)
        raise
    return row


def update(ctx: ServiceContext, events: EventContext, p: Principal, document_id: str,
           body: Mapping[str, Any]) -> Row:
    """A new title and/or tags (customer.document.updated)."""
    with ctx.transaction(events) as (conn, emit):
        row = _changeable_document(conn, p, document_id)
        if row.deleted_at is not None:
            raise Conflict("the document is deleted; restore it first", code="document_deleted")
        title = body.get("title", row.title)
        tags = body.get("tags", list(row.tags))
        row = conn.execute(documents.update().where(documents.c.id == row.id).values(
            title=title, tags=tags, search_text=search_text(title, row.filename, tags), updated_at=sa.func.now(),
        ).returning(*documents.c)).one()
        _emit(emit, "customer.document.updated", row)
    return row


def delete(ctx: ServiceContext, events: EventContext, p: Principal, document_id: str) -> None:
    """Soft delete (customer.document.deleted); deleting a deleted document again is a no-op."""
    with ctx.transaction(events) as (conn, emit):
        row = _changeable_document(conn, p, document_id)
        if row.deleted_at is not None:
            return
        row = conn.execute(documents.update().where(documents.c.id == row.id).values(
            deleted_at=sa.func.now(), deleted_by=p.user_id, updated_at=sa.func.now(),
        ).returning(*documents.c)).one()
        _emit(emit, "customer.document.deleted", row)


def restore(ctx: ServiceContext, events: EventContext, p: Principal, document_id: str) -> Row:
    """Undo a soft delete (customer.document.restored); 409 when it is not deleted."""
    with ctx.transaction(events) as (conn, emit):
        row = _changeable_document(conn, p, document_id)
        if row.deleted_at is None:
            raise Conflict("the document is not deleted", code="not_deleted")
        row = conn.execute(documents.update().where(documents.c.id == row.id).values(
            deleted_at=None, deleted_by=None, updated_at=sa.func.now(),
        ).returning(*documents.c)).one()
        _emit(emit, "customer.document.restored", row)
    return row


# ---- the file --------------------------------------------------------------------

def content(store: BlobStore, row: Any) -> bytes:
    """The stored bytes, checked against the SHA-256 taken at upload."""
    try:
        data = store.get(row.storage_key)
    except BlobMissing:
        log.error("document %s: no file under %s", row.id, row.storage_key)
        raise DocumentUnreadable("the document's file is missing from storage", code="document_missing") from None
    if hashlib.sha256(data).hexdigest() != row.sha256:
        log.error("document %s: the file under %s does not match its SHA-256", row.id, row.storage_key)
        raise DocumentUnreadable("the document's file is damaged (checksum mismatch)")
    return data
