"""The order's life (no I/O): which action is legal in which status, and how the
inventory saga's events move an order without ever moving it backwards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

PENDING_APPROVAL = "pending_approval"
PENDING = "pending"
CONFIRMED = "confirmed"
REJECTED = "rejected"
PARTIALLY_SHIPPED = "partially_shipped"
SHIPPED = "shipped"
CANCELLED = "cancelled"
CLOSED = "closed"

STATUSES = (PENDING_APPROVAL, PENDING, CONFIRMED, REJECTED, PARTIALLY_SHIPPED, SHIPPED, CANCELLED, CLOSED)
# what the warehouse must (or did) ship: the orders it sees
SHIPPING_STATUSES = (CONFIRMED, PARTIALLY_SHIPPED, SHIPPED)

# user actions -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "approve": {PENDING_APPROVAL: PENDING},
    "cancel": {PENDING_APPROVAL: CANCELLED, PENDING: CANCELLED, CONFIRMED: CANCELLED},
    "close": {SHIPPED: CLOSED},
}


class IllegalTransition(Exception):
    def __init__(self, status: str, action: str):
        super().__init__(f"cannot {action} an order that is {status}")
        self.status = status
        self.action = action


def next_status(status: str, action: str) -> str:
    """The status after a user action, or IllegalTransition (a 409)."""
    try:
        return TRANSITIONS[action][status]
    except KeyError:
        raise IllegalTransition(status, action) from None


def needs_approval(discounts: Iterable[Decimal], threshold: Decimal) -> bool:
    """A line discount above the threshold (strictly) needs a manager's approval."""
    return any(d > threshold for d in discounts)


# ---- reactions to the saga's events -------------------------------------------------

IGNORE = "ignore"          # stale or duplicate: nothing changes
CONFIRM = "confirm"
REJECT = "reject"
RELEASE = "release"        # stock reserved for an order that no longer wants it


def on_reserved(status: str) -> str:
    """inventory.stock.reserved arrived for an order in this status."""
    if status == PENDING:
        return CONFIRM
    if status in (CANCELLED, REJECTED):
        return RELEASE  # cancelled while the reservation was in flight: give the stock back
    return IGNORE       # already confirmed / shipping / closed: a duplicate


def on_reservation_failed(status: str) -> str:
    return REJECT if status == PENDING else IGNORE


@dataclass(frozen=True)
class ShippedLine:
    product_id: str
    quantity: int
    shipped: int


def apply_shipment(lines: list[ShippedLine], shipped: Mapping[str, int]) -> list[int]:
    """New shipped quantities per line after a shipment of {product_id: quantity}.

    A product on several lines fills them in order; nothing ships beyond a line's
    quantity (inventory refuses that, and a replay must not inflate it)."""
    remaining = dict(shipped)
    out = []
    for line in lines:
        want = remaining.get(line.product_id, 0)
        take = max(0, min(want, line.quantity - line.shipped))
        remaining[line.product_id] = want - take
        out.append(line.shipped + take)
    return out


def shipping_status(status: str, quantities: list[int], shipped: list[int]) -> str:
    """The status an order in a shipping-capable status has for these shipped quantities."""
    if status not in SHIPPING_STATUSES:
        return status
    if all(s >= q for s, q in zip(shipped, quantities, strict=True)):
        return SHIPPED
    if any(s > 0 for s in shipped):
        return PARTIALLY_SHIPPED
    return CONFIRMED

