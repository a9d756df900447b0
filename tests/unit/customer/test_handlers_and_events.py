"""The handler table and the event contracts the customer service publishes."""

from __future__ import annotations

from services.customer.handlers import handler_table
from shared import events


def test_handler_table_keeps_users_but_not_customers():
    table = handler_table()
    assert table.for_event("gateway.user.created")
    # the customer service owns customers: it writes acl_customers itself
    assert table.for_event("customer.customer.created") == []


def test_every_customer_event_has_a_valid_sample_and_summaries():
    specs = [s for s in events.all_specs() if s.event_type.startswith("customer.")]
    assert len(specs) >= 20
    for spec in specs:
        events.validate(spec.event_type, spec.sample)
        assert spec.summary_en and spec.summary_zh, spec.event_type
        # the summary templates only use fields of the payload
        spec.summary_en.format_map({**spec.sample, "actor": "x"})
        spec.summary_zh.format_map({**spec.sample, "actor": "x"})


def test_sales_records_feed_the_related_records_copy():
    table = handler_table()
    for event_type in ("sales.opportunity.created", "sales.quote.updated", "sales.order.placed",
                       "sales.contract.created", "sales.project.approved"):
        names = [name for name, _ in table.for_event(event_type)]
        # quotes also feed the calendar's copy of their validity ends, opportunities the
        # campaigns' return (issue 16)
        extra = {"quote": ["customer.quote_deadlines"], "opportunity": ["customer.campaign_opportunities"]}.get(
            event_type.split(".")[1], [])
        assert names == [f"documents.related_{event_type.split('.')[1]}", *extra], event_type
    assert table.for_event("billing.invoice.issued") == []
