"""The customer service's event handlers: the users copy (gateway.user.*; it owns
customers, so it writes acl_customers itself in its own transactions), and for service
orders the product and stock copies and inventory's answers to spare parts lines
(services/customer/service_parts.py)."""

from __future__ import annotations

from services.customer.service_parts import service_part_handlers
from shared.consumer import HandlerTable
from shared.visibility import visibility_handlers


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.extend(visibility_handlers(customers=False))
    table.extend(service_part_handlers())
    return table
