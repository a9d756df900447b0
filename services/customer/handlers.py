"""The customer service's event handlers: the users copy (gateway.user.*; it owns
customers, so it writes acl_customers itself in its own transactions); for service orders
the product and stock copies and inventory's answers to spare parts lines
(services/customer/service_parts.py); for documents which customer each sales record belongs
to (services/customer/related_records.py)."""

from __future__ import annotations

from services.customer.related_records import related_record_handlers
from services.customer.service_parts import service_part_handlers
from shared.consumer import HandlerTable
from shared.visibility import visibility_handlers


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.extend(visibility_handlers(customers=False))
    table.extend(service_part_handlers())
    table.extend(related_record_handlers())
    return table
