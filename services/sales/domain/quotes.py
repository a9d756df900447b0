"""The quote's life (no I/O): draft -> sent -> accepted / rejected; a draft or sent
quote past its valid_until is expired; a quote is converted to one order at most."""

from __future__ import annotations

from datetime import date

DRAFT = "draft"
SENT = "sent"
ACCEPTED = "accepted"
REJECTED = "rejected"
EXPIRED = "expired"
STATUSES = (DRAFT, SENT, ACCEPTED, REJECTED, EXPIRED)
OPEN = (DRAFT, SENT)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    DRAFT: (SENT,),
    SENT: (ACCEPTED, REJECTED),
}
# a quote the customer received or accepted can become an order
CONVERTIBLE = (SENT, ACCEPTED)


class IllegalQuoteTransition(Exception):
    def __init__(self, status: str, target: str):
        super().__init__(f"a quote that is {status} cannot become {target}")
        self.status = status
        self.target = target


def effective_status(status: str, valid_until: date, today: date) -> str:
    """The stored status, or expired for an open quote past its validity."""
    if status in OPEN and valid_until < today:
        return EXPIRED
    return status


def transition(status: str, valid_until: date, today: date, target: str) -> str:
    current = effective_status(status, valid_until, today)
    if target not in TRANSITIONS.get(current, ()):
        raise IllegalQuoteTransition(current, target)
    return target


def can_convert(status: str, valid_until: date, today: date, already_converted: bool) -> bool:
    return not already_converted and effective_status(status, valid_until, today) in CONVERTIBLE
