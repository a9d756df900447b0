"""Products: POST/GET /products, GET/PATCH /products/{id}, CSV/XLSX import (the writes are
services/inventory/commands/products.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, fields, validate

from services.inventory import catalog
from services.inventory.api import answers as out
from services.inventory.api.common import PRICE_SETTERS, STOCK_WRITERS, sees_cost
from services.inventory.commands import products as commands
from services.inventory.domain.importing import MATCH_KEYS, MODES, ImportFileError, open_products
from services.inventory.models import product_imports, products
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.fields import Money
from shared.files import safe_filename
from shared.import_mapping import MappingProblem
from shared.openapi import FileUpload, api_doc
from shared.service import service_context
from shared.tabular import ImportLimits
from shared.uploads import form_choice, form_mapping, read_upload, table_error, table_response
from shared.web import (
    count_and_page,
    event_context,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    require_role,
)

bp = Blueprint("inventory_products", __name__)


def _text(size: int, **kw: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=size), **kw)


class ProductIn(Schema):
    sku = _text(80, required=True)
    name = _text(300, required=True)
    spec = fields.String(validate=validate.Length(max=300), allow_none=True, load_default=None)
    unit = _text(40, required=True)
    list_price = Money(required=True)
    cost_price = Money(allow_none=True, load_default=None)
    safety_stock = fields.Integer(strict=True, validate=validate.Range(min=0, max=10**9), load_default=0)
    active = fields.Boolean(load_default=True)


class ProductPatch(ProductIn):
    pass


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    for key in ("sku", "name", "unit", "spec"):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip()
            if key != "spec" and not data[key]:
                raise ValidationFailed("invalid fields", details={key: ["must not be blank"]})
    return data


def _prices_refused(fields: list[str]) -> Forbidden:
    return Forbidden("your role may not change prices", code="forbidden",
                     details={f: ["your role may not change prices"] for f in fields})


def _may_set_prices() -> bool:
    return principal().role in PRICE_SETTERS


@bp.post("/products")
@api_doc(body=ProductIn, response=out.Product, status=201, summary="Create a product")
def create_product():
    require_role(STOCK_WRITERS, "create products")
    data = _clean(load(ProductIn()))
    # the warehouse creates products with their list price (the contract requires one) but
    # sets no cost price: it neither sees nor keeps costs
    if data.get("cost_price") is not None and not _may_set_prices():
        raise _prices_refused(["cost_price"])
    row = commands.create_product(service_context(), event_context(), data)
    return jsonify(catalog.to_api(row, with_cost=sees_cost())), 201


@bp.get("/products")
@api_doc(page=out.Product, summary="Products (q, active)")
def list_products():
    page, per_page = page_args()
    query = sa.select(products)
    q = (request.args.get("q") or "").strip()
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(products.c.sku.ilike(pattern), products.c.name.ilike(pattern)))
    active = request.args.get("active")
    if active in ("true", "false"):
        query = query.where(products.c.active == (active == "true"))
    query = query.order_by(products.c.sku, products.c.id)
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query, page, per_page)
    with_cost = sees_cost()
    return page_response([catalog.to_api(r, with_cost=with_cost) for r in rows], total, page, per_page)


@bp.get("/products/<product_id>")
@api_doc(response=out.Product, summary="A product")
def get_product(product_id: str):
    pid = path_id(product_id, "product")
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(products).where(products.c.id == pid)).first()
    if row is None:
        raise NotFound("product not found")
    return jsonify(catalog.to_api(row, with_cost=sees_cost()))


@bp.patch("/products/<product_id>")
@api_doc(body=ProductPatch(partial=True), response=out.Product, summary="Change a product (prices: roles that set prices)")
def patch_product(product_id: str):
    pid = path_id(product_id, "product")
    require_role(STOCK_WRITERS, "change products")
    changes = _clean(load(ProductPatch(), partial=True))
    for key in ("sku", "name", "unit", "list_price", "safety_stock", "active"):
        if key in changes and changes[key] is None:
            raise ValidationFailed("invalid fields", details={key: ["must not be null"]})
    may_set_prices = _may_set_prices()
    try:
        row = commands.change_product(service_context(), event_context(), pid, changes,
                                      may_set_prices=may_set_prices)
    except catalog.PriceChangeRefused as exc:
        raise _prices_refused(exc.fields) from None
    if row is None:
        raise NotFound("product not found")
    return jsonify(catalog.to_api(row, with_cost=sees_cost()))


# ---- import ------------------------------------------------------------------------

def _import_body(row: Any) -> dict[str, Any]:
    """A product import as GET /imports/{id} shows any import (the customer service's shape,
    kind products, no owner)."""
    errors = [{k: v for k, v in e.items() if k != "cells"} for e in row.errors or []]
    return {"id": row.id, "status": row.status, "kind": "products", "mode": row.mode, "match_on": row.match_on,
            "filename": row.filename, "total": row.total, "processed": row.processed, "created": row.created,
            "updated": row.updated, "duplicates": row.duplicates, "errors": errors, "error_count": row.error_count,
            "undone": row.undone, "message": row.message,
            "error_file": f"/imports/{row.id}/error_file" if row.error_count else None,
            "owner_id": None, "created_by": row.actor_id, "created_at": iso(row.created_at),
            "finished_at": iso(row.finished_at), "undone_at": iso(row.undone_at)}


def _queue(*, capped: bool) -> str:
    """The upload checked (caps, header, mapping; a cost price column with values from a role
    that may not set prices: 403) and queued: the job's id."""
    require_role(STOCK_WRITERS, "import products")
    limits = ImportLimits.from_env()
    content, client_name = read_upload(limits.max_bytes)
    filename = safe_filename(client_name, default="import")
    mapping = form_mapping()
    mode = form_choice("mode", MODES, "create")
    match_on = form_choice("match_on", MATCH_KEYS, "sku")
    try:
        opened = open_products(filename, content, limits, mapping=mapping, mode=mode, match_on=match_on,
                               capped=capped)
    except MappingProblem as exc:
        raise ValidationFailed(str(exc), details={"mapping": exc.details}) from None
    except ImportFileError as exc:
        raise table_error(exc) from None
    may_set_prices = _may_set_prices()
    if not may_set_prices and "cost_price" in opened.fields and any(
            (opened.values(cells).get("cost_price") or "").strip() for _number, cells in opened.rows):
        raise _prices_refused(["cost_price"])
    return commands.queue_import(service_context(), principal(), filename, content, g.get("request_id"),
                                 mapping=mapping, mode=mode, match_on=match_on, may_set_prices=may_set_prices)


@bp.post("/products/imports")
@api_doc(body=FileUpload, content_type="multipart/form-data", response=out.ProductImport, status=201, summary="Import products from a CSV or XLSX file (at most 5000 rows, done within the request; the contract's call is POST /imports/products)")
def import_products():
    """multipart `file` (CSV, TSV or XLSX; header: sku, name, spec, unit, list_price,
    cost_price, safety_stock, or their Chinese/English aliases), `mapping`?, `mode`?,
    `match_on`? as POST /imports/products. The older call, kept for existing clients: the
    job is queued and worked through by the same worker within the request (at most 5000
    rows): 201 with the result; 413 payload_too_large past the byte or row cap (nothing is
    written), 422 for an unreadable file (an XLSX declaring a DTD or entities included) or a
    bad mapping."""
    job_id = _queue(capped=True)
    commands.import_now(service_context(), job_id)
    return jsonify(_import_body(_import_row(job_id))), 201


@bp.post("/imports/products")
@api_doc(body=FileUpload, content_type="multipart/form-data", response=out.ImportStarted, status=202,
         summary="Import products from a CSV, TSV or XLSX file (queued): `mapping`? (JSON {column: field or null}), "
                 "`mode`? create/upsert (upsert changes only the mapped, non-blank columns), `match_on`? sku/name; "
                 "GET /imports/{id} gives the progress and the result")
def start_import():
    """The contract's import call (API.md "Data in and out"): the job is queued for the
    product import worker; GET /imports/{id} (or /jobs/{id}) shows processed of total."""
    return jsonify({"id": _queue(capped=False), "status": "queued"}), 202


def _visible(row: Any) -> bool:
    return row.actor_id == principal().user_id or principal().role in STOCK_WRITERS


def _import_row(import_id: str) -> Any:
    iid = path_id(import_id, "import")
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(*IMPORT_COLUMNS).where(product_imports.c.id == iid)).first()
    if row is None or not _visible(row):
        raise NotFound("import not found")
    return row


IMPORT_COLUMNS = [c for c in product_imports.c if c.name != "content"]  # never ship the file back


@bp.get("/products/imports")
@api_doc(page=out.ProductImport, summary="Product imports, newest first (the gateway merges them into GET /imports)")
def list_imports():
    page, per_page = page_args()
    query = sa.select(*IMPORT_COLUMNS)
    if principal().role not in STOCK_WRITERS:
        query = query.where(product_imports.c.actor_id == principal().user_id)
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(
            conn, query.order_by(product_imports.c.created_at.desc(), product_imports.c.id.desc()), page, per_page)
    return page_response([_import_body(r) for r in rows], total, page, per_page)


@bp.get("/products/imports/<import_id>")
@api_doc(response=out.ProductImport, summary="A product import")
def get_import(import_id: str):
    return jsonify(_import_body(_import_row(import_id)))


@bp.get("/products/imports/<import_id>/job")
@api_doc(response=out.ProductImport, summary="A product import as GET /jobs/{id} shows a job (kind import)")
def get_import_job(import_id: str):
    return jsonify({**_import_body(_import_row(import_id)), "kind": "import"})


@bp.get("/products/imports/<import_id>/error_file")
@api_doc(produces=("text/csv",), summary="A product import's failed rows as CSV: the file's columns and an error column")
def error_file(import_id: str):
    row = _import_row(import_id)
    header = list(row.header or [])
    width = max([len(header)] + [len(e.get("cells") or []) for e in row.errors or []])
    header = header + [f"column {i + 1}" for i in range(len(header), width)]

    def lines() -> Iterator[list[Any]]:
        for e in row.errors or []:
            cells = list(e.get("cells") or [])
            yield (cells + [""] * width)[:width] + [f"row {e.get('row')}: {e.get('message')}"]

    return table_response("csv", f"import-errors-{row.id[:8]}", [*header, "error"], lines())


@bp.post("/products/imports/<import_id>/undo")
@api_doc(response=out.ImportStarted, status=202,
         summary="Undo a product import as one step (queued): the products it created are removed, those it "
                 "changed get their prior values; 409 import_in_use when one is in use or changed since")
def undo_import(import_id: str):
    """All or nothing: a created product with stock moved, reserved by an order, on a purchase
    order or with a supplier price, or a changed product changed again since the import, makes
    it 409 import_in_use with details.products [{sku, reason}] and nothing is undone."""
    require_role(STOCK_WRITERS, "undo an import")
    return jsonify(commands.queue_undo(service_context(), principal(), path_id(import_id, "import"),
                                       _visible)), 202
