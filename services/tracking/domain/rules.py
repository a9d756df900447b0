"""Which records count in the reports (documented in services/tracking/README.md)."""

from __future__ import annotations

from decimal import Decimal

# An order counts as revenue once stock is reserved and it is not undone: confirmed,
# (partially) shipped or closed. pending_approval / pending are not yet sales; rejected
# and cancelled never are.
REVENUE_STATUSES = ("confirmed", "partially_shipped", "shipped", "closed")

# Expenses that count against a customer's profit: approved or paid (not submitted, not rejected).
COUNTED_EXPENSE_STATUSES = ("approved", "paid")

STAGES = ("prospecting", "qualification", "proposal", "negotiation", "won", "lost")


def profit(revenue_net: Decimal, cost_of_goods: Decimal, expenses: Decimal) -> Decimal:
    return revenue_net - cost_of_goods - expenses
