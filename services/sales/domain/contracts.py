"""The contract's life (no I/O): review -> signed -> fulfilled."""

from __future__ import annotations

REVIEW = "review"
SIGNED = "signed"
FULFILLED = "fulfilled"
STATUSES = (REVIEW, SIGNED, FULFILLED)
TRANSITIONS = {REVIEW: (SIGNED,), SIGNED: (FULFILLED,)}
# an order that can carry a contract
CONTRACTABLE_ORDER_STATUSES = ("pending", "confirmed", "partially_shipped", "shipped", "closed")


class IllegalContractTransition(Exception):
    def __init__(self, status: str, target: str):
        super().__init__(f"a contract in {status} cannot become {target}")
        self.status = status
        self.target = target


def transition(status: str, target: str) -> str:
    if target not in TRANSITIONS.get(status, ()):
        raise IllegalContractTransition(status, target)
    return target

