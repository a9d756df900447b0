"""Service order rules, no framework imports: the status flow, what may change in which
status, when feedback may be given, when an order is overdue, and the parts check against
the stock copy."""

from __future__ import annotations

import datetime as dt

OPEN, IN_PROGRESS, WAITING_PARTS, DONE, CLOSED = "open", "in_progress", "waiting_parts", "done", "closed"

# open -> in_progress -> waiting_parts -> in_progress -> done -> closed; a done order may be
# reopened (in_progress) when the customer is not satisfied; closed is final.
FLOW: dict[str, frozenset[str]] = {
    OPEN: frozenset({IN_PROGRESS}),
    IN_PROGRESS: frozenset({WAITING_PARTS, DONE}),
    WAITING_PARTS: frozenset({IN_PROGRESS, DONE}),
    DONE: frozenset({CLOSED, IN_PROGRESS}),
    CLOSED: frozenset(),
}
ACTIVE = (OPEN, IN_PROGRESS, WAITING_PARTS)  # still to be worked on: parts, due time, overdue
FEEDBACK_STATUSES = (DONE, CLOSED)


def transition_allowed(current: str, new: str) -> bool:
    """Only the moves of FLOW; staying put is no move either (409)."""
    return new in FLOW.get(current, frozenset())


def may_take_parts(status: str) -> bool:
    """Spare parts are used while the order is being worked on."""
    return status in ACTIVE


def may_change(status: str) -> bool:
    """A closed order is final: no resolution, time, due time or assignee change."""
    return status != CLOSED


def feedback_refusal(status: str, already_given: bool) -> str | None:
    """Why feedback may not be recorded now (None: it may)."""
    if status not in FEEDBACK_STATUSES:
        return "feedback is given once the service order is done"
    if already_given:
        return "this service order already has the customer's feedback"
    return None


def is_overdue(status: str, due_at: dt.datetime | None, now: dt.datetime) -> bool:
    return status in ACTIVE and due_at is not None and due_at < now


def part_shortage(copy_available: int | None, pending: int, wanted: int) -> int | None:
    """What the warehouse can still give by the stock copy (its availability less the
    parts lines inventory has not answered yet), when that is less than wanted; None
    when the line may go. A product never seen in that warehouse has 0."""
    available = max(0, (copy_available or 0) - pending)
    return available if available < wanted else None
