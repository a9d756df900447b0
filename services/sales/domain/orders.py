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

# fees an order may carry beside its lines (issue 16): freight, installation, other
FEE_KINDS = ("freight", "installation", "other")

# user actions -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "approve": {PENDING_APPROVAL: PENDING},
    "reject": {PENDING_APPROVAL: REJECTED},  # an approver turns a held order down
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


# ---- editing an order before it is confirmed (issue 16) ---------------------------
# A held order (pending_approval) may be edited freely: inventory has heard nothing of it.
# A pending order's reservation is on its way to inventory (sales.order.placed, one
# reservation per order): its lines may not change (409), its fees and delivery date may
# (inventory reserves lines only, and the approval rule reads lines only).
EDITABLE = (PENDING_APPROVAL, PENDING)


class NotEditable(Exception):
    def __init__(self, status: str, fields: tuple[str, ...] = ()):
        if status == PENDING and fields:
            message = ("the order's stock reservation is already requested from the warehouse, so its lines "
                       "cannot change; cancel it and create a new order, or change only its fees and delivery date")
        else:
            message = f"an order that is {status} can no longer be edited"
        super().__init__(message)
        self.status = status
        self.fields = fields


def check_editable(status: str, changed: set[str]) -> None:
    """Whether an edit of these fields is allowed in this status (NotEditable: a 409)."""
    if status not in EDITABLE:
        raise NotEditable(status)
    if status == PENDING and "lines" in changed:
        raise NotEditable(status, ("lines",))


def status_after_edit(status: str, held: bool) -> str:
    """A held order edited stays held while a line still needs approval; once none does it
    goes on (pending: placed). A pending order stays pending (its lines did not change)."""
    if status == PENDING_APPROVAL and not held:
        return PENDING
    return status


HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PricedLine:
    """What the approval rule needs of a line: the list price from the local product copy
    (None when the product is unknown there), the unit price and the line discount."""
    list_price: Decimal | None
    unit_price: Decimal
    discount_pct: Decimal


def effective_discount_pct(line: PricedLine) -> Decimal | None:
    """How far below the list price the line sells, in percent, whatever field expressed
    it: 100 x (1 - unit_price x (1 - discount_pct/100) / list_price). A unit price under
    the list price is a discount as much as discount_pct is; a price above the list
    offsets a discount. None when the list price is unknown; 0 for a free product."""
    if line.list_price is None:
        return None
    if line.list_price <= 0:
        return Decimal(0)
    net_unit = line.unit_price * (HUNDRED - line.discount_pct) / HUNDRED
    return HUNDRED - net_unit * HUNDRED / line.list_price


def needs_approval(lines: Iterable[PricedLine], threshold: Decimal) -> bool:
    """A line whose effective discount is above the threshold (strictly) needs a
    manager's approval; so does a line whose list price is not known (fail closed)."""
    for line in lines:
        discount = effective_discount_pct(line)
        if discount is None or discount > threshold:
            return True
    return False


def approval_refusal(approver_role: str, approver_id: str, authors: Iterable[str | None],
                     manages_owner: bool) -> str | None:
    """Why this user may not approve a held order (None: they may). Four eyes: whoever
    created the order (or wrote the quote it came from) never approves it, whatever their
    role; otherwise a manager above the owner or an admin (so an admin's own order needs
    another admin or a manager above the owner)."""
    if approver_id in {a for a in authors if a}:
        return "whoever created an order (or its quote) may not approve it; another approver must"
    if approver_role == "admin" or (approver_role == "manager" and manages_owner):
        return None
    return "only a manager of the order's owner or an admin may approve it"


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

