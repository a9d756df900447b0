"""Billing's HTTP API (paths without /api/v1; the gateway strips it)."""

from flask import Blueprint

from services.billing.api import expenses, invoices, payments, receivables


def blueprints() -> list[Blueprint]:
    return [invoices.bp, payments.bp, receivables.bp, expenses.bp]
