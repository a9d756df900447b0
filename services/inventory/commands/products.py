"""Product commands: create, change (prices only by the roles that set them), each with its
events (services/inventory/catalog.py); queue an import of a CSV/XLSX file of products and
its undo (the worker does them: services/inventory/import_worker.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.inventory import catalog
from services.inventory.commands import in_transaction
from services.inventory.import_undo import UndoRefused, check_undo
from services.inventory.import_worker import ProductImportWorker
from services.inventory.models import product_imports, products
from shared.errors import Conflict, NotFound
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.storage import BlobStore, forget, replace_file


def create_product(ctx: ServiceContext, events: EventContext, data: Mapping[str, Any]) -> Row:
    return in_transaction(ctx, events, lambda conn, emit: catalog.create_product(conn, emit, data))


def change_product(ctx: ServiceContext, events: EventContext, product_id: str, changes: Mapping[str, Any], *,
                   may_set_prices: bool) -> Row | None:
    """The changed product, None when there is none; catalog.PriceChangeRefused for a
    price change by a role that may not set prices."""
    return in_transaction(ctx, events, lambda conn, emit: catalog.update_product(
        conn, emit, product_id, changes, may_set_prices=may_set_prices))


def queue_import(ctx: ServiceContext, p: Principal, filename: str, content: bytes, correlation_id: str | None, *,
                 mapping: dict[str, str | None] | None, mode: str, match_on: str, may_set_prices: bool) -> str:
    """A product import queued for the worker (services/inventory/import_worker.py): its id."""
    job_id = str(uuid.uuid4())
    with ctx.engine.begin() as conn:
        conn.execute(product_imports.insert().values(
            id=job_id, status="queued", filename=filename, content=content, mapping=mapping, mode=mode,
            match_on=match_on, may_set_prices=may_set_prices, total=0, processed=0, created=0, duplicates=0,
            errors=[], actor_id=p.user_id, correlation_id=correlation_id))
    return job_id


def import_now(ctx: ServiceContext, job_id: str, *, wait_s: float = 120.0) -> None:
    """A queued job worked through at once by the product import worker's code (the older
    POST /products/imports, at most 5,000 rows). When a worker thread claimed it first, its
    end is waited for (at most wait_s)."""
    if ProductImportWorker(ctx.engine, ctx.outbox).run_once(job_id):
        return
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        with ctx.engine.connect() as conn:
            status = conn.execute(sa.select(product_imports.c.status)
                                  .where(product_imports.c.id == job_id)).scalar()
        if status not in ("queued", "running"):
            return
        time.sleep(0.1)


UNDOABLE = ("done", "failed")


def queue_undo(ctx: ServiceContext, p: Principal, job_id: str, visible: Callable[[Row], bool]) -> dict[str, Any]:
    """Mark a finished product import for undoing. NotFound when the caller may not see it;
    409 not_undoable while it runs or once undone; 409 import_in_use (with the products and
    why) when a product it created is in use or one it changed was changed since — nothing is
    undone then (the worker checks again under lock)."""
    with ctx.engine.begin() as conn:
        row = conn.execute(sa.select(product_imports).where(product_imports.c.id == job_id)
                           .with_for_update()).first()
        if row is None or not visible(row):
            raise NotFound("import not found")
        if row.status not in UNDOABLE:
            raise Conflict(f"an import that is {row.status} cannot be undone", code="not_undoable",
                           details={"status": row.status})
        try:
            check_undo(conn, job_id, row.finished_at)
        except UndoRefused as exc:
            raise Conflict(exc.message, code="import_in_use", details={"products": exc.products}) from None
        conn.execute(product_imports.update().where(product_imports.c.id == job_id)
                     .values(status="undo_queued", heartbeat_at=None, attempts=0, message=None))
    return {"id": job_id, "status": "undo_queued"}


def _product_row(conn: Connection, pid: str) -> Row:
    row = conn.execute(sa.select(products).where(products.c.id == pid).with_for_update()).first()
    if row is None:
        raise NotFound("product not found")
    return row


def set_picture(ctx: ServiceContext, events: EventContext, pid: str, picture: bytes, store: BlobStore) -> Row:
    """The product's picture (already resized), stored before the row names it
    (shared.storage.replace_file): the product as it is now."""
    key = f"product-pictures/{pid[:2]}/{pid}-{uuid.uuid4().hex}.jpg"

    def work(conn: Connection, _emit) -> tuple[str | None, Row]:
        old = _product_row(conn, pid).picture_key
        row = conn.execute(sa.update(products).where(products.c.id == pid)
                           .values(picture_key=key, picture_updated_at=sa.func.now()).returning(*products.c)).one()
        return old, row

    return replace_file(store, key, picture, lambda: in_transaction(ctx, events, work))


def remove_picture(ctx: ServiceContext, events: EventContext, pid: str, store: BlobStore) -> bool:
    """False when the product had no picture (404 when there is no product)."""
    def work(conn: Connection, _emit) -> str | None:
        old = _product_row(conn, pid).picture_key
        if old is not None:
            conn.execute(sa.update(products).where(products.c.id == pid)
                         .values(picture_key=None, picture_updated_at=None))
        return old

    old = in_transaction(ctx, events, work)
    if old is None:
        return False
    forget(store, old)
    return True
