"""Product commands: create, change (prices only by the roles that set them) and import a
CSV/XLSX file of products, each with its events (services/inventory/catalog.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from services.inventory import catalog
from services.inventory.commands import in_transaction
from services.inventory.domain.importing import ProductFile, check_row
from services.inventory.models import product_imports, products
from shared.errors import Conflict
from shared.identity import Principal
from shared.outbox import EventContext
from shared.service import ServiceContext


def create_product(ctx: ServiceContext, events: EventContext, data: Mapping[str, Any]) -> Row:
    return in_transaction(ctx, events, lambda conn, emit: catalog.create_product(conn, emit, data))


def change_product(ctx: ServiceContext, events: EventContext, product_id: str, changes: Mapping[str, Any], *,
                   may_set_prices: bool) -> Row | None:
    """The changed product, None when there is none; catalog.PriceChangeRefused for a
    price change by a role that may not set prices."""
    return in_transaction(ctx, events, lambda conn, emit: catalog.update_product(
        conn, emit, product_id, changes, may_set_prices=may_set_prices))


def _match(conn, match_on: str, key: str) -> tuple[str | None, str | None]:
    """(product id, None), (None, None) when none matches, (None, message) when several do
    (a name shared by products of different specs)."""
    column = products.c.sku if match_on == "sku" else products.c.name
    found = conn.execute(sa.select(products.c.id).where(sa.func.lower(column) == key.lower()).limit(2)).all()
    if len(found) > 1:
        return None, f"several products have the {match_on} {key}"
    return (found[0].id if found else None), None


def import_products(ctx: ServiceContext, events: EventContext, p: Principal, filename: str, opened: ProductFile,
                    *, mode: str = "create", match_on: str = "sku", may_set_prices: bool = False) -> Row:
    """Every row checked (domain/importing.py) and written in its own savepoint. create: a
    product that exists (its SKU, or its name and spec) counts as a duplicate. upsert: the
    product with the row's match key (sku or name, any case) gets the row's other non-blank
    mapped cells, nothing else; a row that matches none is created. Failed rows are kept with their cells
    for the error file; each write publishes its inventory.product.* event as a single
    change does."""
    def work(conn, emit):
        created = updated = duplicates = 0
        errors: list[dict[str, Any]] = []
        for number, cells in opened.rows:  # the spreadsheet's row numbers (the header is row 1)
            raw = opened.values(cells)

            def fail(message: str, number: int = number, cells: list[str] = cells) -> None:
                errors.append({"row": number, "message": message, "cells": cells})

            target = None
            if mode == "upsert":
                key = (raw.get(match_on) or "").strip()
                if not key:
                    fail(f"missing {match_on}")
                    continue
                target, message = _match(conn, match_on, key)
                if message:
                    fail(message)
                    continue
            data, message = check_row(raw, new=target is None)
            if message:
                fail(message)
                continue
            if target is not None:
                data.pop(match_on, None)  # the key found the product (any case); it stays as it is
            savepoint = conn.begin_nested()
            try:
                if target is None:
                    catalog.create_product(conn, emit, data)
                    created += 1
                else:
                    catalog.update_product(conn, emit, target, data, may_set_prices=may_set_prices)
                    updated += 1
                savepoint.commit()
            except Conflict as exc:
                savepoint.rollback()
                if mode == "create":
                    duplicates += 1
                else:
                    fail(str(exc))
            except catalog.PriceChangeRefused as exc:
                savepoint.rollback()
                fail(f"your role may not change prices ({', '.join(exc.fields)})")
        return conn.execute(product_imports.insert().values(
            id=str(uuid.uuid4()), status="done", filename=filename, total=len(opened.rows),
            processed=len(opened.rows), created=created, updated=updated, duplicates=duplicates, errors=errors,
            actor_id=p.user_id, mode=mode, match_on=match_on, header=opened.header, finished_at=sa.func.now(),
        ).returning(*product_imports.c)).one()

    return in_transaction(ctx, events, work)
