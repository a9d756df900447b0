"""The sales service's HTTP API (paths without /api/v1)."""

from flask import Blueprint

from services.sales.api import (
    contracts,
    opportunities,
    orders,
    prices,
    projects,
    quote_approval,
    quotes,
    targets,
)


def blueprints() -> list[Blueprint]:
    return [opportunities.bp, quotes.bp, orders.bp, contracts.bp, prices.bp, projects.bp, targets.bp, quote_approval.bp]
