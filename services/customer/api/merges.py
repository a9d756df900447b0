"""Duplicates and merges (issue 17): possible duplicate pairs, a merge preview with both
values per field, the merge, a merge read by id, undo. The writes are
services/customer/commands/merges.py; the pairs services/customer/duplicates.py."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields

from services.customer import store
from services.customer.access import load_customer
from services.customer.api import answers as out
from services.customer.commands import merges as commands
from services.customer.domain import merging
from services.customer.duplicate_pairs import duplicate_pairs
from shared.answers import anything, flag, ident, ids, integer, many, mapping, nested, text, when
from shared.errors import ValidationFailed
from shared.fields import uuid_field
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import event_context, load, page_args, page_response, path_id, principal, uuid_arg

bp = Blueprint("merges", __name__)


class MergeIn(Schema):
    duplicate_id = uuid_field(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True, load_default=None)


class Merge(Schema):
    id = ident()
    survivor_id = ident()
    duplicate_id = ident()
    fields = mapping()
    moved = mapping(description="records moved in the customer service, per table")
    added_shares = ids(description="users given a share of the kept customer (the duplicate's owner and shares)")
    merged_by = ident(nullable=True)
    merged_at = when()
    undone_by = ident(nullable=True)
    undone_at = when()
    status = text(nullable=False, description="merged or undone")
    survivor_name = text(description="in lists")
    duplicate_name = text(description="in lists")


class MergeDone(Schema):
    merge_id = ident()
    customer = nested(out.Customer)
    duplicate_id = ident()
    moved = mapping()
    added_shares = ids()


class UndoDone(Schema):
    merge = nested(Merge)
    customer = nested(out.Customer)
    duplicate = nested(out.Customer)


class FieldPair(Schema):
    field = text(nullable=False)
    keep = anything()
    duplicate = anything()
    conflict = flag()
    default = text(nullable=False, description="the side taken when the caller does not choose")


class Preview(Schema):
    customer = nested(out.Customer)
    duplicate = nested(out.Customer)
    fields = many(FieldPair)
    records = mapping(description="the duplicate's records in the customer service that would move, per table")


class PairSide(Schema):
    id = ident()
    name = text(nullable=False)
    phone = text()
    owner_id = ident()
    created_at = when()


class Pair(Schema):
    customer = nested(PairSide)
    duplicate = nested(PairSide)
    reasons = fields.List(fields.String(), metadata={"description": "name, phone and/or email"})
    count = integer()


@bp.get("/customers/duplicates")
@api_doc(page=Pair, summary="Possible duplicate pairs (same normalised name, phone or contact email) among "
         "the customers the caller may change; the older one first")
def list_duplicates() -> ResponseReturnValue:
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        items, total = duplicate_pairs(conn, principal(), page, per_page, uuid_arg(request.args.get("customer_id"),
                                                                                   "customer_id"))
    return page_response(items, total, page, per_page)


@bp.get("/customers/<cid>/merge-preview")
@api_doc(response=Preview, summary="Both customers' values per field (duplicate_id), conflicts marked, and what "
         "would move")
def preview(cid: str) -> ResponseReturnValue:
    duplicate_id = uuid_arg(request.args.get("duplicate_id"), "duplicate_id")
    if not duplicate_id:
        raise ValidationFailed("duplicate_id is required", details={"duplicate_id": ["required"]})
    who = principal()
    with service_context().engine.connect() as conn:
        survivor, duplicate = commands.load_pair(conn, who, path_id(cid, "customer"), duplicate_id)
        counts = commands.record_counts(conn, duplicate.id)
        shared = store.shared_with(conn, [survivor.id, duplicate.id])
        return jsonify({
            "customer": store.customer_json(survivor, shared[survivor.id]),
            "duplicate": store.customer_json(duplicate, shared[duplicate.id]),
            "fields": merging.conflicts(commands.fields_of(survivor), commands.fields_of(duplicate)),
            "records": counts,
        })


@bp.post("/customers/<cid>/merge")
@api_doc(body=MergeIn, response=MergeDone, summary="Merge a duplicate into this customer (fields: per field "
         "\"keep\" or \"duplicate\"); its records move here in every service")
def merge(cid: str) -> ResponseReturnValue:
    body = load(MergeIn())
    return jsonify(commands.merge(service_context(), event_context(), principal(), path_id(cid, "customer"),
                                  body["duplicate_id"], body.get("fields")))


@bp.get("/merges/<mid>")
@api_doc(response=Merge, summary="A merge")
def get_merge(mid: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        return jsonify(commands.merge_json(commands.load_merge(conn, principal(), mid, read=True)))


@bp.get("/merges")
@api_doc(page=Merge, summary="Merges of a customer (customer_id, as the kept one or the duplicate), newest first")
def list_merges() -> ResponseReturnValue:
    customer_id = uuid_arg(request.args.get("customer_id"), "customer_id")
    if not customer_id:
        raise ValidationFailed("customer_id is required", details={"customer_id": ["required"]})
    page, per_page = page_args()
    with service_context().engine.connect() as conn:
        load_customer(conn, principal(), customer_id, read=True)
        rows = commands.merges_of(conn, customer_id)
        names = commands.names_of(conn, {i for r in rows for i in (r.survivor_id, r.duplicate_id)})
    items = [{**commands.merge_json(r), "survivor_name": names.get(r.survivor_id),
              "duplicate_name": names.get(r.duplicate_id)} for r in rows]
    return page_response(items[(page - 1) * per_page:page * per_page], len(items), page, per_page)


@bp.post("/merges/<mid>/undo")
@api_doc(response=UndoDone, summary="Undo a merge (both customers as they were, in every service); 409 "
         "merge_depended_on with details.reason when something newer depends on it")
def undo(mid: str) -> ResponseReturnValue:
    return jsonify(commands.undo(service_context(), event_context(), principal(), path_id(mid, "merge")))

