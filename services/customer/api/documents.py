"""/documents: files under a customer or attached to one of its records (opportunity, quote,
order, contract, project, service order), and the shared knowledge base (no customer, seen
by every user). Upload is multipart (field `file`, plus `title`, `customer_id`,
`related_type`, `related_id`, `tags`); at most CRM_DOCUMENT_MAX_BYTES (20 MiB by default:
413 payload_too_large past it); the type is decided from the bytes (shared.doctypes: 422
refused_type for programs and anything not on the list), the name is sanitised. The bytes
live in the BlobStore (shared.storage), checked against their SHA-256 on every download.
Who sees what: services/customer/commands/documents.py."""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.engine import Connection

from services.customer.access import customer_clause
from services.customer.api import answers as out
from services.customer.commands import documents as commands
from services.customer.domain.documents import (
    DEFAULT_MAX_BYTES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MAX_TITLE_LENGTH,
    BadTags,
    default_title,
    parse_tags,
)
from services.customer.models import documents, related_records
from shared.doctypes import RefusedType, document_type, stored_name
from shared.errors import NotFound, ValidationFailed
from shared.events.customer import DOCUMENT_RELATED_TYPES
from shared.identity import Principal
from shared.openapi import api_doc
from shared.service import service_context
from shared.storage import BlobStore
from shared.uploads import document_store, file_response, read_upload
from shared.web import (
    count_and_page,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    uuid_arg,
)

bp = Blueprint("documents", __name__)
SCOPES = ("knowledge_base", "customer")


def max_bytes() -> int:
    """CRM_DOCUMENT_MAX_BYTES (bytes; default 20 MiB), read per request."""
    try:
        return max(1, int(os.environ.get("CRM_DOCUMENT_MAX_BYTES") or DEFAULT_MAX_BYTES))
    except ValueError:
        return DEFAULT_MAX_BYTES


def store() -> BlobStore:
    """The store the composition root put on the app (services/customer/bootstrap.py)."""
    return document_store()


class DocumentUpload(Schema):
    """A multipart/form-data body."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    title = fields.String(validate=validate.Length(max=MAX_TITLE_LENGTH))
    customer_id = fields.UUID()
    related_type = fields.String(validate=validate.OneOf(DOCUMENT_RELATED_TYPES))
    related_id = fields.UUID()
    tags = fields.String(metadata={"description": "comma-separated (or the field repeated)"})


def _tags_field(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValidationError("a list of texts")
    try:
        return parse_tags(value)
    except BadTags as exc:
        raise ValidationError(str(exc)) from None


class DocumentPatch(Schema):
    title = fields.String(validate=validate.Length(min=1, max=MAX_TITLE_LENGTH))
    tags = fields.Function(deserialize=_tags_field, metadata={"type": "array", "items": {"type": "string"}})


def document_json(row: Any, labels: dict[str, str | None] | None = None) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "filename": row.filename, "size": row.size,
            "content_type": row.content_type, "sha256": row.sha256, "tags": list(row.tags),
            "customer_id": row.customer_id, "related_type": row.related_type, "related_id": row.related_id,
            "related_label": (labels or {}).get(row.related_id) if row.related_id else None,
            "knowledge_base": row.customer_id is None, "uploaded_by": row.uploaded_by,
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at),
            "deleted_at": iso(row.deleted_at), "deleted_by": row.deleted_by}


def _labels(conn: Connection, rows: list[Any]) -> dict[str, str | None]:
    wanted = sorted({r.related_id for r in rows if r.related_id})
    if not wanted:
        return {}
    found = conn.execute(sa.select(related_records.c.record_id, related_records.c.label)
                         .where(related_records.c.record_id.in_(wanted)))
    return {r.record_id: r.label for r in found}


def _one(conn: Connection, row: Any) -> dict[str, Any]:
    return document_json(row, _labels(conn, [row]))


def _upload_fields() -> dict[str, Any]:
    """The form fields besides the file: 422 naming each bad one."""
    form = request.form
    details: dict[str, list[str]] = {}
    body: dict[str, Any] = {}
    for name in ("customer_id", "related_id"):
        try:
            body[name] = uuid_arg(form.get(name), name)
        except ValidationFailed:
            details[name] = ["must be a UUID"]
    related_type = form.get("related_type") or None
    if related_type and related_type not in DOCUMENT_RELATED_TYPES:
        details["related_type"] = [f"one of {', '.join(DOCUMENT_RELATED_TYPES)}"]
    body["related_type"] = related_type
    if bool(related_type) != bool(form.get("related_id")):
        details.setdefault("related_id" if related_type else "related_type",
                           ["related_type and related_id go together"])
    title = " ".join((form.get("title") or "").split())
    if len(title) > MAX_TITLE_LENGTH:
        details["title"] = [f"at most {MAX_TITLE_LENGTH} characters"]
    body["title"] = title
    try:
        body["tags"] = parse_tags(form.getlist("tags"))
    except BadTags as exc:
        details["tags"] = [str(exc)]
    if details:
        raise ValidationFailed("invalid document fields", details=details)
    return body


@bp.post("/documents")
@api_doc(body=DocumentUpload, response=out.Document, status=201, content_type="multipart/form-data",
         responses={413: "the file is larger than CRM_DOCUMENT_MAX_BYTES",
                    422: "a refused type (programs, anything not on the list) or a bad field"},
         summary="Upload a document (multipart): under a customer, attached to a record, or to the knowledge base")
def upload_document() -> ResponseReturnValue:
    p = principal()
    limit = max_bytes()
    data, client_name = read_upload(limit, what="the document")
    body = _upload_fields()
    try:
        kind = document_type(data, client_name)
    except RefusedType as exc:
        raise ValidationFailed(str(exc), code="refused_type", details={"file": [str(exc)]}) from None
    filename = stored_name(client_name, kind)
    title = body["title"] or default_title(filename)
    row = commands.upload(service_context(), event_context(), store(), p, data=data, kind=kind, filename=filename,
                          title=title, tags=body["tags"], body=body)
    with service_context().engine.connect() as conn:
        return jsonify(_one(conn, row)), 201


def _visible_clause(conn: Connection, p: Principal) -> sa.ColumnElement:
    return sa.or_(documents.c.customer_id.is_(None),
                  customer_clause(conn, p, documents.c.customer_id, read=True))


@bp.get("/documents")
@api_doc(page=out.Document, summary="Documents the caller may see (customer_id, related_type, related_id, q: title, "
                                    "file name or tag; tag: exact tag; scope: knowledge_base/customer; "
                                    "uploaded_by; deleted=true: the deleted ones, to restore)")
def list_documents() -> ResponseReturnValue:
    p = principal()
    page, per_page = page_args()
    args = request.args
    details: dict[str, list[str]] = {}
    if args.get("related_type") and args["related_type"] not in DOCUMENT_RELATED_TYPES:
        details["related_type"] = [f"one of {', '.join(DOCUMENT_RELATED_TYPES)}"]
    if args.get("scope") and args["scope"] not in SCOPES:
        details["scope"] = [f"one of {', '.join(SCOPES)}"]
    if args.get("deleted") not in (None, "", "true", "false", "1", "0"):
        details["deleted"] = ["true or false"]
    q = " ".join((args.get("q") or "").split()).lower()
    if len(q) > 200:
        details["q"] = ["at most 200 characters"]
    tag = (args.get("tag") or "").strip()
    if len(tag) > MAX_TAG_LENGTH:
        details["tag"] = [f"at most {MAX_TAG_LENGTH} characters"]
    if details:
        raise ValidationFailed("invalid filters", details=details)
    with service_context().engine.connect() as conn:
        deleted = args.get("deleted") in ("true", "1")
        where = [_visible_clause(conn, p),
                 documents.c.deleted_at.is_not(None) if deleted else documents.c.deleted_at.is_(None)]
        for name in ("customer_id", "related_id", "uploaded_by"):
            value = uuid_arg(args.get(name), name)
            if value:
                where.append(documents.c[name] == value)
        if args.get("related_type"):
            where.append(documents.c.related_type == args["related_type"])
        if args.get("scope") == "knowledge_base":
            where.append(documents.c.customer_id.is_(None))
        elif args.get("scope") == "customer":
            where.append(documents.c.customer_id.is_not(None))
        if q:
            escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append(documents.c.search_text.like(f"%{escaped}%", escape="\\"))
        if tag:
            where.append(documents.c.tags.contains([tag]))
        rows, total = count_and_page(
            conn, sa.select(documents).where(*where)
            .order_by(documents.c.created_at.desc(), documents.c.id.desc()), page, per_page)
        labels = _labels(conn, list(rows))
    return page_response([document_json(r, labels) for r in rows], total, page, per_page)


@bp.get("/documents/<document_id>")
@api_doc(response=out.Document, summary="A document (also a deleted one, to restore)")
def get_document(document_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        return jsonify(_one(conn, commands.visible_document(conn, principal(), path_id(document_id, "document"))))


@bp.get("/documents/<document_id>/content")
@api_doc(produces="application/octet-stream",
         responses={500: "document_corrupt / document_missing: the stored file fails its checksum or is gone"},
         summary="Download the file (its type as decided at upload, as an attachment; ?inline=1 shows a PDF or "
                 "an image in the browser); a deleted document is 404 until restored")
def download_document(document_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        row = commands.visible_document(conn, principal(), path_id(document_id, "document"))
    if row.deleted_at is not None:
        raise NotFound("the document is deleted; restore it to download it", code="document_deleted")
    data = commands.content(store(), row)
    return file_response(data, row.filename, inline=request.args.get("inline") in ("1", "true"),
                         content_type=row.content_type, extra_headers={"ETag": f"\"{row.sha256}\""})


@bp.patch("/documents/<document_id>")
@api_doc(body=DocumentPatch, response=out.Document, summary="Change a document's title and/or tags")
def update_document(document_id: str) -> ResponseReturnValue:
    body = load(DocumentPatch())
    if not body:
        raise ValidationFailed("nothing to change", details={"title": ["give title and/or tags"]})
    if "title" in body:
        body["title"] = " ".join(body["title"].split())
        if not body["title"]:
            raise ValidationFailed("invalid title", details={"title": ["must not be blank"]})
    if len(body.get("tags", [])) > MAX_TAGS:
        raise ValidationFailed("too many tags", details={"tags": [f"at most {MAX_TAGS} tags"]})
    row = commands.update(service_context(), event_context(), principal(), path_id(document_id, "document"), body)
    with service_context().engine.connect() as conn:
        return jsonify(_one(conn, row))


@bp.delete("/documents/<document_id>")
@api_doc(status=204, summary="Delete a document (soft: restorable with POST /documents/{id}/restore)")
def delete_document(document_id: str) -> ResponseReturnValue:
    commands.delete(service_context(), event_context(), principal(), path_id(document_id, "document"))
    return "", 204


@bp.post("/documents/<document_id>/restore")
@api_doc(response=out.Document, summary="Restore a deleted document; 409 not_deleted when it is not deleted")
def restore_document(document_id: str) -> ResponseReturnValue:
    row = commands.restore(service_context(), event_context(), principal(), path_id(document_id, "document"))
    with service_context().engine.connect() as conn:
        return jsonify(_one(conn, row))
