"""Contract: sales's handlers accept the shared sample of every event they consume (what
sales publishes is validated against its schema by the outbox at write time)."""

from __future__ import annotations

import pytest

from services.sales.handlers import handler_table
from shared import events
from shared.consumer import topic_match

pytestmark = pytest.mark.integration

CONSUMED = [s for s in events.all_specs() if any(topic_match(p, s.event_type) for p in handler_table().patterns)]


def test_sales_consumes_what_the_saga_needs():
    types = {s.event_type for s in CONSUMED}
    assert {"inventory.product.created", "inventory.product.updated", "inventory.product.removed", "inventory.stock.changed",
            "inventory.stock.reserved", "inventory.stock.reservation_failed", "inventory.shipment.dispatched",
            "billing.order_balance.changed", "customer.lead.converted", "customer.customer.created",
            "gateway.user.created"} <= types


@pytest.mark.parametrize("spec", CONSUMED, ids=lambda s: s.event_type)
def test_handlers_accept_the_shared_sample(world, spec):
    world.feed(spec.event_type, dict(spec.sample), aggregate_type="sample")

