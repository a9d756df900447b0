"""Writing one batch of a product import's rows in the caller's transaction, each row checked
by domain/importing.py, every product created or changed publishing its inventory.product.*
event as a single change does (catalog.snapshot) and recorded in product_import_changes for
the import's undo (a created product; a changed one with the values it had before).

Mode create is set-based (`create_rows`: one INSERT of the batch's rows as one JSON document,
ON CONFLICT DO NOTHING on both unique indexes, one statement for the undo's records, the
events through Outbox.add_many): a few statements per batch, not per row. Mode upsert goes
row by row (`import_rows`: a lookup by the key, then catalog.update_product or
create_product in a savepoint of its own)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.inventory import catalog
from services.inventory.domain.importing import check_row, prior_values
from services.inventory.models import product_import_changes, products
from shared.errors import Conflict
from shared.outbox import Emitter, NewEvent

_INSERT = sa.text("""
INSERT INTO products (id, sku, name, spec, unit, list_price, cost_price, safety_stock, active)
SELECT t.id, t.sku, t.name, t.spec, t.unit, t.list_price, t.cost_price, t.safety_stock, true
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, sku varchar, name varchar, spec varchar,
     unit varchar, list_price numeric, cost_price numeric, safety_stock integer)
ON CONFLICT DO NOTHING
RETURNING *
""")
_RECORD_CREATED = sa.text("""
INSERT INTO product_import_changes (job_id, product_id, action)
SELECT :job, unnest(CAST(:ids AS varchar[])), 'created' ON CONFLICT DO NOTHING
""")


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


def create_rows(conn: Connection, emit: Emitter, job_id: str, rows: list[tuple[int, list[str]]],
                values: Callable[[list[str]], dict[str, str]]) -> dict[str, Any]:
    """Mode create for a batch: {created, updated: 0, duplicates, errors}. A row whose SKU, or
    name and spec, is taken (in the database or earlier in the batch) is a duplicate."""
    errors: list[dict[str, Any]] = []
    fresh: list[dict[str, Any]] = []
    keys: set[tuple[str, ...]] = set()
    duplicates = 0
    for number, cells in rows:
        data, message = check_row(values(cells), new=True)
        if message or data is None:
            errors.append({"row": number, "message": message or "invalid row", "cells": cells})
            continue
        sku_key, name_key = ("sku", data["sku"].lower()), ("name", data["name"].lower(), (data["spec"] or "").lower())
        if sku_key in keys or name_key in keys:
            duplicates += 1
            continue
        keys.update((sku_key, name_key))
        fresh.append({**data, "id": str(uuid.uuid4()),
                      **{k: None if data[k] is None else str(data[k]) for k in ("list_price", "cost_price")}})
    made = conn.execute(_INSERT, {"rows": json.dumps(fresh, ensure_ascii=False)}).all() if fresh else []
    if made:
        conn.execute(_RECORD_CREATED, {"job": job_id, "ids": [r.id for r in made]})
        emit.many([NewEvent("inventory.product.created", "product", r.id, catalog.snapshot(r)) for r in made])
    return {"created": len(made), "updated": 0, "duplicates": duplicates + len(fresh) - len(made), "errors": errors}


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
