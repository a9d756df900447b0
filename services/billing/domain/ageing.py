"""Receivables ageing: what a customer still owes, split by the age of the debt.

A customer's debts are the opening balance (dated by its as_of date) and the non-void
invoices (dated by their issue date). Money paid on orders (payments with an order and
prepayment allocations) settles the opening balance first, then the invoices oldest first
(FIFO). What is left is put into buckets by age in days at `as_of`: 0-30, 31-60, 61-90,
over 90.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.money import ZERO

BUCKETS = ("days_0_30", "days_31_60", "days_61_90", "days_over_90")


@dataclass(frozen=True)
class Debt:
    on: date
    amount: Decimal


def bucket_for(age_days: int) -> str:
    if age_days <= 30:
        return "days_0_30"
    if age_days <= 60:
        return "days_31_60"
    if age_days <= 90:
        return "days_61_90"
    return "days_over_90"


def age_debts(debts: Iterable[Debt], paid: Decimal, as_of: date) -> dict[str, Decimal]:
    """Buckets of the unsettled part of each debt; `paid` settles them in the given order
    (the caller passes the opening balance first, then invoices by issue date). Debts dated
    after as_of count as 0 days old. The total equals max(0, sum of debts - paid)."""
    result = dict.fromkeys(BUCKETS, ZERO)
    left_to_settle = max(paid, ZERO)
    for debt in debts:
        settled = min(debt.amount, left_to_settle)
        left_to_settle -= settled
        open_part = debt.amount - settled
        if open_part > ZERO:
            age = max((as_of - debt.on).days, 0)
            result[bucket_for(age)] += open_part
    result["total"] = sum((result[b] for b in BUCKETS), ZERO)
    return result
