"""A product's picture (issue 16): set by admin and warehouse (as products are), seen by
everyone who sees the catalogue. The upload is shrunk to a JPEG within 800 x 800
(shared.images) and kept in the document store (shared.storage), the row naming it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify

from services.inventory import catalog
from services.inventory.api import answers as out
from services.inventory.api.common import STOCK_WRITERS, sees_cost
from services.inventory.api.products import bp
from services.inventory.commands import products as commands
from services.inventory.models import products
from shared.errors import NotFound
from shared.images import PictureUpload, picture_upload
from shared.openapi import api_doc
from shared.service import service_context
from shared.storage import BlobMissing
from shared.uploads import document_store, file_response
from shared.web import event_context, path_id, require_role

PICTURE_MAX_BYTES = 10 * 1024 * 1024
PICTURE_SIDE = 800


def _product(pid: str):
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(products).where(products.c.id == pid)).first()
    if row is None:
        raise NotFound("product not found")
    return row


@bp.put("/products/<product_id>/picture")
@api_doc(body=PictureUpload, content_type="multipart/form-data", response=out.Product,
         responses={413: "the file is larger than 10 MB", 422: "not a picture (code not_a_picture) or no file"},
         summary="Set the product's picture (kept as a JPEG within 800 x 800): admin and warehouse")
def put_picture(product_id: str):
    require_role(STOCK_WRITERS, "change products")
    pid = path_id(product_id, "product")
    _product(pid)  # 404 before reading the upload
    picture = picture_upload(PICTURE_MAX_BYTES, PICTURE_SIDE)
    row = commands.set_picture(service_context(), event_context(), pid, picture, document_store())
    return jsonify(catalog.to_api(row, with_cost=sees_cost()))


@bp.get("/products/<product_id>/picture")
@api_doc(produces="image/jpeg", summary="The product's picture (404 when there is none)")
def get_picture(product_id: str):
    row = _product(path_id(product_id, "product"))
    if row.picture_key is None:
        raise NotFound("this product has no picture")
    try:
        data = document_store().get(row.picture_key)
    except BlobMissing:
        raise NotFound("this product has no picture") from None
    return file_response(data, f"{row.sku}.jpg", inline=True, content_type="image/jpeg")


@bp.delete("/products/<product_id>/picture")
@api_doc(status=204, summary="Remove the product's picture: admin and warehouse")
def delete_picture(product_id: str):
    require_role(STOCK_WRITERS, "change products")
    if not commands.remove_picture(service_context(), event_context(), path_id(product_id, "product"), document_store()):
        raise NotFound("this product has no picture")
    return "", 204
