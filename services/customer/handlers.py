"""The customer service's event handlers: it only keeps the users copy (gateway.user.*);
it owns customers, so it writes acl_customers itself in its own transactions."""

from __future__ import annotations

from shared.consumer import HandlerTable
from shared.visibility import visibility_handlers


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.extend(visibility_handlers(customers=False))
    return table
