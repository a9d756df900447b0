"""Opening-balance imports (issue 17; commands/opening_import.py): POST /imports/opening-balances
(the gateway routes it here by its two segments) and the import's own calls under
/opening-balances/imports, which the gateway asks for GET /imports/{id}, its error file, its
undo, GET /jobs/{id} and the merged GET /imports list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify
from sqlalchemy.engine import Row

from services.billing.api import answers as out
from services.billing.api.common import FINANCE
from services.billing.commands import opening_import as commands
from services.billing.models import opening_balance_imports
from shared.errors import NotFound, ValidationFailed
from shared.files import safe_filename
from shared.import_mapping import MappingProblem
from shared.openapi import FileUpload, api_doc
from shared.service import service_context
from shared.tabular import ImportLimits, TableError
from shared.uploads import form_mapping, read_upload, table_error, table_response
from shared.web import (
    count_and_page,
    event_context,
    iso,
    page_args,
    page_response,
    path_id,
    principal,
    require_role,
)

bp = Blueprint("billing_opening_imports", __name__)


def import_body(row: Row) -> dict[str, Any]:
    """An opening-balance import as GET /imports/{id} shows any import."""
    errors = [{k: v for k, v in e.items() if k != "cells"} for e in row.errors or []]
    return {"id": row.id, "status": row.status, "kind": "opening-balances", "mode": "create", "match_on": None,
            "filename": row.filename, "total": row.total, "processed": row.processed, "created": row.created,
            "updated": 0, "duplicates": 0, "errors": errors, "error_count": row.error_count,
            "undone": row.undone, "message": row.message,
            "error_file": f"/imports/{row.id}/error_file" if row.error_count else None,
            "owner_id": None, "created_by": row.created_by, "created_at": iso(row.created_at),
            "finished_at": iso(row.finished_at), "undone_at": iso(row.undone_at)}


@bp.post("/imports/opening-balances")
@api_doc(body=FileUpload, content_type="multipart/form-data", response=out.OpeningBalanceImport, status=202,
         summary="Import customers' opening balances from a CSV, TSV or XLSX file (finance, admin; at most 5000 "
                 "rows, done within the request): `mapping`? (JSON {column: field or null}); the answer is the "
                 "finished import, as GET /imports/{id} gives it")
def start_import():
    """Columns: customer name, amount, as_of?, note? (Chinese and English headers
    recognised). A row whose customer is unknown, named alike by several customers, has an
    opening balance already or is on an earlier row is a row error; the other rows are
    recorded as POST /opening-balances records one. 413 past the byte or row cap, 422 for an
    unreadable file or a bad mapping (nothing is written)."""
    p = principal()
    require_role(FINANCE, "import opening balances", who=p)
    limits = ImportLimits.from_env()
    content, client_name = read_upload(limits.max_bytes)
    filename = safe_filename(client_name, default="import")
    mapping = form_mapping()
    try:
        import_id = commands.run_import(service_context(), event_context(), p, filename, content, mapping, limits)
    except MappingProblem as exc:
        raise ValidationFailed(str(exc), details={"mapping": exc.details}) from None
    except TableError as exc:
        raise table_error(exc) from None
    return jsonify(import_body(_import_row(import_id))), 202


IMPORT_COLUMNS = list(opening_balance_imports.c)


def _import_row(import_id: str) -> Row:
    iid = path_id(import_id, "import")
    with service_context().engine.connect() as conn:
        row = conn.execute(sa.select(*IMPORT_COLUMNS).where(opening_balance_imports.c.id == iid,
                                                            commands.import_visible(principal()))).first()
    if row is None:
        raise NotFound("import not found")
    return row


@bp.get("/opening-balances/imports")
@api_doc(page=out.OpeningBalanceImport,
         summary="Opening-balance imports, newest first (the gateway merges them into GET /imports)")
def list_imports():
    page, per_page = page_args()
    query = sa.select(*IMPORT_COLUMNS).where(commands.import_visible(principal()))
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query.order_by(opening_balance_imports.c.created_at.desc(),
                                                          opening_balance_imports.c.id.desc()), page, per_page)
    return page_response([import_body(r) for r in rows], total, page, per_page)


@bp.get("/opening-balances/imports/<import_id>")
@api_doc(response=out.OpeningBalanceImport, summary="An opening-balance import")
def get_import(import_id: str):
    return jsonify(import_body(_import_row(import_id)))


@bp.get("/opening-balances/imports/<import_id>/job")
@api_doc(response=out.OpeningBalanceImport, summary="An opening-balance import as GET /jobs/{id} shows a job")
def get_import_job(import_id: str):
    return jsonify({**import_body(_import_row(import_id)), "kind": "import"})


@bp.get("/opening-balances/imports/<import_id>/error_file")
@api_doc(produces=("text/csv",), summary="An opening-balance import's failed rows as CSV: the file's columns and an error column")
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


@bp.post("/opening-balances/imports/<import_id>/undo")
@api_doc(response=out.OpeningBalanceImport, status=202,
         summary="Undo an opening-balance import as one step (done within the request): its opening balances "
                 "are removed; 409 import_in_use when money was recorded against one of them since")
def undo_import(import_id: str):
    row = commands.undo_import(service_context(), event_context(), principal(), path_id(import_id, "import"))
    return jsonify(import_body(row)), 202
