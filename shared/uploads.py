"""Reading one uploaded file in a Flask view, within a byte cap (413 payload_too_large in the
contract's error body), and the responses that send files back."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, current_app, request, stream_with_context

from shared import files, tabular
from shared.errors import PayloadTooLarge, ValidationFailed
from shared.storage import BlobStore

MULTIPART_OVERHEAD = 64 * 1024  # room for the multipart headers and other fields


def too_large(max_bytes: int, what: str = "the file") -> PayloadTooLarge:
    return PayloadTooLarge(f"{what} is larger than {max_bytes} bytes", details={"max_bytes": max_bytes})


def read_upload(max_bytes: int, *, field: str = "file", what: str = "the file") -> tuple[bytes, str]:
    """(content, the client's file name) of the multipart field; 413 past max_bytes (refused
    from Content-Length before the body is parsed when it says so), 422 when missing or empty."""
    if request.content_length is not None and request.content_length > max_bytes + MULTIPART_OVERHEAD:
        raise too_large(max_bytes, what)
    upload = request.files.get(field)
    if upload is None:
        raise ValidationFailed(f"a multipart '{field}' is required", details={field: ["required"]})
    with contextlib.suppress(AttributeError, OSError, ValueError):
        upload.stream.seek(0)  # a view run again (shared.copies' wait) reads the file again
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes, what)
    if not data:
        raise ValidationFailed("the file is empty", details={field: ["is empty"]})
    return data, upload.filename or ""


def table_error(exc: tabular.TableError, field: str = "file") -> Exception:
    """A reading problem as the error to raise: 413 past a cap, else 422 on the field."""
    if isinstance(exc, tabular.TableTooLarge):
        return PayloadTooLarge(str(exc), details=exc.details)
    return ValidationFailed(str(exc), details={field: [str(exc)]})


def file_response(data: bytes, filename: str, *, inline: bool = False, content_type: str | None = None,
                  extra_headers: dict[str, str] | None = None) -> Response:
    """An uploaded file sent back: sniffed type (octet-stream unless a safe image or PDF) or
    the content_type decided at upload (shared.doctypes), nosniff, attachment unless inline
    was asked for a safe type."""
    mimetype, headers = files.download_headers(data, filename, inline=inline, content_type=content_type)
    return Response(data, content_type=mimetype, headers={**headers, **(extra_headers or {})})


def table_response(fmt: str, basename: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
                   *, sheet: str | None = None) -> Response:
    """An export as CSV (streamed) or XLSX, through the shared writers."""
    if fmt == "csv":
        return Response(stream_with_context(tabular.csv_chunks(header, rows)), mimetype=tabular.CSV_TYPE,
                        headers=files.export_headers(f"{basename}.csv"))
    return Response(tabular.xlsx_bytes(header, rows, sheet=sheet or basename), mimetype=tabular.XLSX_TYPE,
                    headers=files.export_headers(f"{basename}.xlsx"))


def form_mapping(name: str = "mapping") -> Any:
    """A multipart form's JSON text field (an import's {column: field or null}); None when absent,
    422 when it is not JSON."""
    raw = request.form.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ValidationFailed(f"{name} is not JSON", details={name: ["must be JSON text"]}) from None


def form_choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    """A multipart form's field that is one of `allowed` (default when blank); 422 otherwise."""
    value = (request.form.get(name) or "").strip() or default
    if value not in allowed:
        raise ValidationFailed(f"invalid {name}", details={name: [f"must be one of {', '.join(allowed)}"]})
    return value


def document_store() -> BlobStore:
    """The file store the service's composition root put on the app (its configure_app:
    shared.storage.document_store_from_env)."""
    return current_app.extensions["document_store"]
