"""Product commands: create, change (prices only by the roles that set them) and import a
CSV/XLSX file of products, each with its events (services/inventory/catalog.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Row

from services.inventory import catalog
from services.inventory.commands import in_transaction
from services.inventory.domain.importing import check_row
from services.inventory.models import product_imports
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


def import_products(ctx: ServiceContext, events: EventContext, p: Principal, filename: str,
                    rows: list[tuple[int, dict[str, Any]]]) -> Row:
    """Every row checked (domain/importing.py) and created in its own savepoint (a SKU
    that exists counts as a duplicate); the import's record with the counts and the
    errors by spreadsheet row number."""
    def work(conn, emit):
        created = duplicates = 0
        errors: list[dict[str, Any]] = []
        for number, raw in rows:  # the spreadsheet's row numbers (the header is row 1)
            data, message = check_row(raw)
            if message:
                errors.append({"row": number, "message": message})
                continue
            savepoint = conn.begin_nested()
            try:
                catalog.create_product(conn, emit, data)
                savepoint.commit()
                created += 1
            except Conflict:
                savepoint.rollback()
                duplicates += 1
        return conn.execute(product_imports.insert().values(
            id=str(uuid.uuid4()), status="done", filename=filename, total=len(rows),
            processed=len(rows), created=created, duplicates=duplicates, errors=errors,
            actor_id=p.user_id,
        ).returning(*product_imports.c)).one()

    return in_transaction(ctx, events, work)
