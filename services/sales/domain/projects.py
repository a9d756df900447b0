"""A customer project's life (立项, no I/O): which action is legal in which status, who may
decide an application, and what a competition entry must name.

draft --submit--> pending_approval --approve--> approved
                                   --reject---> rejected --submit--> pending_approval
A draft or rejected project can still be edited; an application waiting for a decision,
and an approved project, cannot (409)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

DRAFT = "draft"
PENDING_APPROVAL = "pending_approval"
APPROVED = "approved"
REJECTED = "rejected"

STATUSES = (DRAFT, PENDING_APPROVAL, APPROVED, REJECTED)
EDITABLE = (DRAFT, REJECTED)

# user actions -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "submit": {DRAFT: PENDING_APPROVAL, REJECTED: PENDING_APPROVAL},  # a turned-down application may be revised
    "approve": {PENDING_APPROVAL: APPROVED},
    "reject": {PENDING_APPROVAL: REJECTED},
}


class IllegalTransition(Exception):
    def __init__(self, status: str, action: str):
        super().__init__(f"cannot {action} a project that is {status}")
        self.status = status
        self.action = action


def next_status(status: str, action: str) -> str:
    """The status after a user action, or IllegalTransition (a 409)."""
    try:
        return TRANSITIONS[action][status]
    except KeyError:
        raise IllegalTransition(status, action) from None


def check_editable(status: str) -> None:
    """Editing is a move too: only a draft or a rejected project changes (409 otherwise)."""
    if status not in EDITABLE:
        raise IllegalTransition(status, "edit")


def approval_refusal(approver_role: str, approver_id: str, authors: Iterable[str | None],
                     manages_owner: bool) -> str | None:
    """Why this user may not decide a project application (None: they may). Four eyes, as
    for held orders: whoever owns or wrote the project never decides it; otherwise a
    manager above the owner (transitively) or an admin."""
    if approver_id in {a for a in authors if a}:
        return "whoever owns or created a project may not decide its application; another approver must"
    if approver_role == "admin" or (approver_role == "manager" and manages_owner):
        return None
    return "only a manager above the project's owner or an admin may decide it"


def competition_problems(entries: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """Competition entries that name nobody: each needs a competitor_id or a name."""
    return {i: "a competitor_id or a name is required" for i, e in enumerate(entries)
            if not e.get("competitor_id") and not (e.get("name") or "").strip()}


def duplicate_contacts(entries: Iterable[Mapping[str, Any]]) -> list[int]:
    """Positions of people listed twice (one role per contact)."""
    seen: set[str] = set()
    out = []
    for i, e in enumerate(entries):
        if e["contact_id"] in seen:
            out.append(i)
        seen.add(e["contact_id"])
    return out
