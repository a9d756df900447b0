"""Domain errors every service raises; shared.web maps them to HTTP statuses in one table."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    """413: an upload past a size or row cap; details name the cap (max_bytes, max_rows)."""

    status = 413
    code = "payload_too_large"


class ValidationFailed(DomainError):
    """422; details map each bad field to a list of messages."""

    status = 422
    code = "validation_failed"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


class DependencyDown(DomainError):
    status = 503
    code = "dependency_unavailable"
