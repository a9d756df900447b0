"""Who may record money, and the life of a payment (no I/O).

Issuing invoices, recording payments and allocating prepayments are finance's (and
admin's). With the setting BILLING_REPS_RECORD_CASH on, a sales rep or manager may also
record a CASH payment for a customer they see: it is stored `unconfirmed` and counts
nowhere (not in the order's paid amount, its payment_status, the receivables or the
reports) until finance confirms it; finance may reject it instead.

    recorded by finance/admin -> confirmed
    recorded by a rep (cash)  -> unconfirmed --confirm--> confirmed
                                             --reject---> rejected
"""

from __future__ import annotations

from shared.errors import Conflict, Forbidden

CONFIRMED = "confirmed"
UNCONFIRMED = "unconfirmed"
REJECTED = "rejected"
STATUSES = (CONFIRMED, UNCONFIRMED, REJECTED)

FINANCE = frozenset({"admin", "finance"})  # record, confirm, reject, invoice, allocate
CASH_RECORDERS = frozenset({"sales", "manager"})  # with the setting on: cash, unconfirmed
CASH = "cash"

TRANSITIONS = {"confirm": (UNCONFIRMED, CONFIRMED), "reject": (UNCONFIRMED, REJECTED)}


def check_may_record(role: str, *, reps_record_cash: bool) -> None:
    """403 for a role that may record no payment at all."""
    if role not in FINANCE and not (role in CASH_RECORDERS and reps_record_cash):
        raise Forbidden("only finance records payments")


def status_when_recorded(role: str, method: str, *, reps_record_cash: bool) -> str:
    """The status a new payment gets from this caller; 403 when they may not record it."""
    check_may_record(role, reps_record_cash=reps_record_cash)
    if role in FINANCE:
        return CONFIRMED
    if method != CASH:
        raise Forbidden("sales may record cash payments only; other payments are recorded by finance",
                        details={"method": [f"only {CASH} (for finance to confirm)"]})
    return UNCONFIRMED


def next_status(current: str, action: str) -> str:
    """The status after confirm / reject; 409 unless the payment is unconfirmed."""
    source, target = TRANSITIONS[action]
    if current != source:
        raise Conflict(f"cannot {action} a payment that is {current}", code="invalid_payment_state",
                       details={"status": current, "required": source})
    return target
