"""/prices/last: the unit price a customer was last charged for a product (what a new
quote or order line is priced at by default), else the product's list price."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, request

from services.sales.api import answers as out
from services.sales.models import products
from services.sales.orders_store import last_prices
from shared.errors import ValidationFailed
from shared.money import fmt
from shared.openapi import api_doc
from shared.service import service_context
from shared.visibility import can_see_customer
from shared.web import principal, uuid_arg

bp = Blueprint("prices", __name__)


def _required_id(name: str) -> str:
    value = uuid_arg(request.args.get(name), name)
    if value is None:
        raise ValidationFailed(f"{name} is required", details={name: ["required"]})
    return value


@bp.get("/prices/last")
@api_doc(response=out.DefaultPrice, summary="The default unit price of a product for a customer: the last price charged to them "
         "(source last), else the list price (source list); 422 for an unknown or invisible customer or product",
         tags=["sales"])
def last_price():
    p = principal()
    customer_id = _required_id("customer_id")
    product_id = _required_id("product_id")
    with service_context().engine.connect() as conn:
        if not can_see_customer(conn, p, customer_id, "sales", read=True):
            raise ValidationFailed("unknown customer", details={"customer_id": ["no such customer"]})
        product = conn.execute(sa.select(products.c.list_price, products.c.active)
                               .where(products.c.id == product_id)).first()
        if product is None:
            raise ValidationFailed("unknown product", details={"product_id": ["no such product"]})
        last = last_prices(conn, customer_id, [product_id]).get(product_id)
    return jsonify({
        "customer_id": customer_id, "product_id": product_id,
        "unit_price": fmt(last if last is not None else product.list_price),
        "source": "last" if last is not None else "list",
        "last_price": fmt(last) if last is not None else None, "list_price": fmt(product.list_price),
        "active": product.active,
    })
