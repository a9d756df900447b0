"""Billing's HTTP API (paths without /api/v1; the gateway strips it)."""

from flask import Blueprint

from services.billing.api import (
    expenses,
    invoices,
    opening_imports,
    payment_decisions,
    payments,
    receivables,
)


def blueprints() -> list[Blueprint]:
    return [invoices.bp, payments.bp, payment_decisions.bp, receivables.bp, expenses.bp, opening_imports.bp]
