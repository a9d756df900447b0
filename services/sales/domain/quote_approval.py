"""A quote discounted past the approval threshold (the same as orders': a line's effective
discount above it, or a product whose list price is unknown) needs a manager's approval
before it goes out (sent or e-mailed):

    (none) --submit--> pending --approve--> approved
                       pending --reject---> rejected --submit--> pending

New lines clear the approval (the figures approved are no longer the quote's). Four eyes:
whoever owns or wrote the quote never decides it; a manager above the owner or an admin does.
"""

from __future__ import annotations

from collections.abc import Iterable

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
APPROVAL_STATUSES = (PENDING, APPROVED, REJECTED)

_MOVES = {"submit": ((None, REJECTED), PENDING), "approve": ((PENDING,), APPROVED), "reject": ((PENDING,), REJECTED)}


class ApprovalRefused(Exception):
    """A move the quote's approval state does not allow; code says which kind."""

    def __init__(self, message: str, code: str, approval_status: str | None):
        super().__init__(message)
        self.code = code
        self.approval_status = approval_status


def next_approval(*, quote_status: str, needs_approval: bool, approval_status: str | None, action: str) -> str:
    """The approval state after submit / approve / reject (a draft's only)."""
    if action == "submit" and not needs_approval:
        raise ApprovalRefused("this quote's discounts need no approval", "approval_not_needed", approval_status)
    if quote_status != "draft":
        raise ApprovalRefused(f"a quote that is {quote_status} is not up for approval", "illegal_transition",
                              approval_status)
    sources, target = _MOVES[action]
    if approval_status not in sources:
        raise ApprovalRefused(f"cannot {action} a quote whose approval is {approval_status or 'not requested'}",
                              "illegal_transition", approval_status)
    return target


def may_go_out(needs_approval: bool, approval_status: str | None) -> bool:
    """Whether the quote may be sent (status sent or e-mailed) as it is."""
    return not needs_approval or approval_status == APPROVED


def approval_refusal(approver_role: str, approver_id: str, authors: Iterable[str | None],
                     manages_owner: bool) -> str | None:
    """Why this user may not decide the quote (None: they may)."""
    if approver_id in {a for a in authors if a}:
        return "whoever owns a quote may not decide its approval; another approver must"
    if approver_role == "admin" or (approver_role == "manager" and manages_owner):
        return None
    return "only a manager above the quote's owner or an admin may decide it"
