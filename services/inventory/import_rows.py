"""Writing one batch of a product import's rows in the caller's transaction: each row checked
(domain/importing.py) and written in its own savepoint through catalog.py, so every product
created or changed publishes its inventory.product.* event as a single change does, and
recorded in product_import_changes for the import's undo (a created product; a changed one
with the values it had before)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.inventory import catalog
from services.inventory.domain.importing import check_row, prior_values
from services.inventory.models import product_import_changes, products
from shared.errors import Conflict
from shared.outbox import Emitter


def _match(conn: Connection, match_on: str, key: str) -> tuple[Any, str | None]:
    """(product row, None), (None, None) when none matches, (None, message) when several do
    (a name shared by products of different specs)."""
    column = products.c.sku if match_on == "sku" else products.c.name
    found = conn.execute(sa.select(products).where(sa.func.lower(column) == key.lower()).limit(2)).all()
    if len(found) > 1:
        return None, f"several products have the {match_on} {key}"
    return (found[0] if found else None), None


def _record(conn: Connection, job_id: str, product_id: str, action: str, prior: dict[str, Any] | None) -> None:
    conn.execute(pg_insert(product_import_changes)
                 .values(job_id=job_id, product_id=product_id, action=action, prior=prior)
                 .on_conflict_do_nothing())  # the first change of a product is the one to undo


def import_rows(conn: Connection, emit: Emitter, job_id: str, rows: list[tuple[int, list[str]]],
                values: Callable[[list[str]], dict[str, str]], *, mode: str = "create", match_on: str = "sku",
                may_set_prices: bool = False) -> dict[str, Any]:
    """{created, updated, duplicates, errors} of the rows. create: a product that exists (its
    SKU, or its name and spec) counts as a duplicate. upsert: the product with the row's match
    key (sku or name, any case) gets the row's other non-blank mapped cells, nothing else; a
    row that matches none is created. Failed rows are kept with their cells for the error
    file."""
    created = updated = duplicates = 0
    errors: list[dict[str, Any]] = []
    for number, cells in rows:  # the spreadsheet's row numbers (the header is row 1)
        raw = values(cells)

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
        if message or data is None:
            fail(message or "invalid row")
            continue
        if target is not None:
            data.pop(match_on, None)  # the key found the product (any case); it stays as it is
        savepoint = conn.begin_nested()
        try:
            if target is None:
                row = catalog.create_product(conn, emit, data)
                _record(conn, job_id, row.id, "created", None)
                created += 1
            else:
                prior = prior_values(dict(target._mapping), data)
                catalog.update_product(conn, emit, target.id, data, may_set_prices=may_set_prices)
                if prior:
                    _record(conn, job_id, target.id, "updated", prior)
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
    return {"created": created, "updated": updated, "duplicates": duplicates, "errors": errors}
