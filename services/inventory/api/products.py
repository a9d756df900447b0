"""Products: POST/GET /products, GET/PATCH /products/{id}, CSV/XLSX import (the writes are
services/inventory/commands/products.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from marshmallow import Schema, fields, validate

from services.inventory import catalog
from services.inventory.api import answers as out
from services.inventory.api.common import PRICE_SETTERS, STOCK_WRITERS, sees_cost
from services.inventory.commands import products as commands
from services.inventory.domain.importing import ImportFileError, read_rows
from services.inventory.models import product_imports, products
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.fields import Money
from shared.files import safe_filename
from shared.openapi import FileUpload, api_doc
from shared.service import service_context
from shared.tabular import ImportLimits
from shared.uploads import read_upload, table_error
from shared.web import (
    count_and_page,
    event_context,
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

def _import_body(row) -> dict[str, Any]:
    return {"id": row.id, "status": row.status, "filename": row.filename, "total": row.total,
            "processed": row.processed, "created": row.created, "duplicates": row.duplicates,
            "errors": row.errors, "created_at": row.created_at.isoformat()}


@bp.post("/products/imports")
@api_doc(body=FileUpload, content_type="multipart/form-data", response=out.ProductImport, status=201, summary="Import products from a CSV or XLSX file")
def import_products():
    """multipart `file` (CSV or XLSX; header: sku, name, spec, unit, list_price,
    cost_price, safety_stock). Processed at once (at most 5000 rows): 201 with the result;
    413 payload_too_large past the byte or row cap (nothing is written), 422 for an
    unreadable file (an XLSX declaring a DTD or entities included)."""
    require_role(STOCK_WRITERS, "import products")
    limits = ImportLimits.from_env()
    content, client_name = read_upload(limits.max_bytes)
    filename = safe_filename(client_name, default="import")
    try:
        rows = read_rows(filename, content, limits)
    except ImportFileError as exc:
        raise table_error(exc) from None
    if not _may_set_prices() and any(r.get("cost_price") for _number, r in rows):
        raise _prices_refused(["cost_price"])

    row = commands.import_products(service_context(), event_context(), principal(), filename, rows)
    return jsonify(_import_body(row)), 201


@bp.get("/products/imports/<import_id>")
@api_doc(response=out.ProductImport, summary="A product import")
def get_import(import_id: str):
    iid = path_id(import_id, "import")
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(product_imports).where(product_imports.c.id == iid)).first()
    if row is None or (row.actor_id != principal().user_id and principal().role not in STOCK_WRITERS):
        raise NotFound("import not found")
    return jsonify(_import_body(row))
