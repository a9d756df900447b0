"""Expense claims: the state machine and who may move it.

submitted --approve--> approved --pay--> paid
submitted --reject---> rejected
Approve / reject: the submitter's manager (anywhere above in the hierarchy) or an admin,
never the submitter (an admin may decide their own). Pay: finance or admin, only once approved.
"""

from __future__ import annotations

from shared.errors import Conflict, Forbidden

STATUSES = ("submitted", "approved", "rejected", "paid")
TRANSITIONS = {
    "approve": ("submitted", "approved"),
    "reject": ("submitted", "rejected"),
    "pay": ("approved", "paid"),
}
PAYERS = frozenset({"finance", "admin"})


def next_status(current: str, action: str) -> str:
    """The status after the action; 409 when the claim is not in the state it needs."""
    source, target = TRANSITIONS[action]
    if current != source:
        code = "expense_not_approved" if action == "pay" else "invalid_expense_state"
        raise Conflict(f"cannot {action} an expense that is {current}", code=code,
                       details={"status": current, "required": source})
    return target


def check_may_act(action: str, *, actor_id: str, actor_role: str, submitter_id: str,
                  actor_manages_submitter: bool) -> None:
    """403 unless the actor has the right to take this action on this claim."""
    if action == "pay":
        if actor_role not in PAYERS:
            raise Forbidden("only finance may pay expenses", code="forbidden")
        return
    if actor_id == submitter_id and actor_role != "admin":
        raise Forbidden("you cannot decide your own expense claim")
    if actor_role == "admin" or actor_manages_submitter:
        return
    raise Forbidden("only the submitter's manager or an admin may decide this claim")
