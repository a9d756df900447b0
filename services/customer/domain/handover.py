"""A rep's hand-over (issue 16), free of I/O: when a rep leaves, everything of theirs goes to a
named colleague in one job — their customers (the bulk worker, one customer.customer.transferred
each, on every customer's timeline), their open leads, their open tasks (at the end of the job)
and their open opportunities (the sales service, from customer.handover.completed).

Who may start one: an admin, or a manager above the leaving rep (who must then also be allowed
to make the colleague an owner: the shared owner rule). The colleague is an active user who
may own customers; the leaving rep may already be deactivated (that is when it is done)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

OPEN_LEAD_STATUSES = ("new",)     # converted leads are customers already; disqualified ones stay
OPEN_TASK_STATUSES = ("open",)
HANDOVER_ROLES = ("manager", "admin")


def _is_id(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def check_request(body: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per-field messages for POST /handovers (empty when the shape is right)."""
    errors: dict[str, list[str]] = {}
    for name in ("from_user_id", "to_user_id"):
        if name not in body or body[name] in (None, ""):
            errors[name] = ["required"]
        elif not _is_id(body[name]):
            errors[name] = ["must be a user id"]
    if not errors and body["from_user_id"] == body["to_user_id"]:
        errors["to_user_id"] = ["must be someone else than the rep handing over"]
    unknown = [k for k in body if k not in ("from_user_id", "to_user_id")]
    for key in unknown:
        errors[key] = ["unknown field"]
    return errors


def may_start(role: str, manages_from: bool) -> bool:
    """An admin; a manager above the rep handing over."""
    return role == "admin" or (role == "manager" and manages_from)


def new_progress(from_user_id: str, to_user_id: str) -> dict[str, Any]:
    """The job's `handover` record: who to whom, and the counts filled in as the parts finish
    (None: not yet; opportunities arrive from the sales service after the job is done)."""
    return {"from_user_id": from_user_id, "to_user_id": to_user_id, "leads": None, "tasks": None,
            "opportunities": None}
