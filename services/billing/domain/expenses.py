"""Expense claims: the state machine and who may move it.

submitted --approve--> approved --pay--> paid
submitted --reject---> rejected
Approve / reject: the submitter's manager (anywhere above in the hierarchy) or an admin,
never the submitter (an admin may decide their own). Pay: finance or admin, only once approved.
"""

from __future__ import annotations

from datetime import date, timedelta

from shared.errors import Conflict, Forbidden, ValidationFailed

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


def check_incurred_on(incurred_on: date, *, today: date, validity_days: int) -> None:
    """报销有效期: a claim must be submitted within `validity_days` of the day the expense was
    incurred (0: no limit); an expense dated in the future is refused too. 422 with the reason.
    `today` is the UTC date; a day ahead of it is still today somewhere east of UTC (Beijing from
    08:00 on), so only later dates count as the future."""
    if incurred_on > today + timedelta(days=1):
        raise ValidationFailed("the expense date is in the future", code="expense_date_in_future",
                               details={"incurred_on": ["cannot be after today"]})
    if validity_days and incurred_on < today - timedelta(days=validity_days):
        last = (incurred_on + timedelta(days=validity_days)).isoformat()
        raise ValidationFailed(
            f"expenses must be claimed within {validity_days} days; this one could be claimed until {last}",
            code="expense_claim_expired",
            details={"incurred_on": [f"older than the {validity_days}-day validity period for expense claims "
                                     f"(claimable until {last})"]})
