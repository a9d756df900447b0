"""What the tracking service's endpoints answer (documentation schemas for the OpenAPI
document; the views and services/tracking/reports.py build the dicts)."""

from marshmallow import Schema

from shared.answers import anything, flag, ident, integer, many, mapping, money, text, when


class Notification(Schema):
    id = ident()
    kind = text(nullable=False)
    message = text()
    message_zh = text()
    customer_id = ident(nullable=True)
    subject_type = text()
    subject_id = text()
    event_id = ident(nullable=True)
    created_at = when()
    read = flag()
    read_at = when()


class NotificationPage(Schema):
    items = many(Notification)
    total = integer()
    page = integer()
    per_page = integer()
    unread = integer(description="the caller's unread notifications, all pages")


class Updated(Schema):
    updated = integer()


class TimelineEntry(Schema):
    occurred_at = when(nullable=False)
    type = text(nullable=False, description="the event type")
    actor_id = text()
    actor_name = text()
    summary = text(description="in the caller's language (Accept-Language)")
    summary_en = text()
    summary_zh = text()
    event_id = ident()
    service = text()
    region = text(nullable=True, description="the region (instance) where it happened; head office shows every branch's")
    customer_id = ident(nullable=True)
    aggregate_type = text()
    aggregate_id = text()
    correlation_id = text()
    causation_id = text()
    data = anything(description="the event's data, less what this reader may not see")
    redacted = flag(description="true when part of the data was withheld")


class TimelinePage(Schema):
    items = many(TimelineEntry)
    total = integer(description="capped (see total_capped)")
    total_capped = flag()
    page = integer()
    per_page = integer()
    next_cursor = text(description="pass as before= for the next page")


class SalesPerformanceRow(Schema):
    owner_id = ident()
    owner_name = text()
    region = text(description="where the orders were placed (one row per owner and region)")
    orders = integer()
    revenue = money()
    net = money()
    paid = money()
    outstanding = money()


class RegionRow(Schema):
    region = text(description="the region; null for orders recorded before regions were kept")
    orders = integer()
    customers = integer()
    revenue = money()
    net = money()
    paid = money()
    outstanding = money()
    open_opportunities = integer(description="opportunities not won or lost, whenever created")
    pipeline = money(description="their amount")


class RegionsReport(Schema):
    items = many(RegionRow)


class IndustrySalesRow(Schema):
    industry = text(description="the customers' industry; null where it is not filled in")
    orders = integer()
    customers = integer()
    revenue = money()
    net = money()
    paid = money()
    outstanding = money()


class TargetAttainmentRow(Schema):
    owner_id = ident()
    owner_name = text()
    month = text(nullable=False, description="YYYY-MM")
    target = money(nullable=True, description="null: no target set for the month")
    revenue = money(description="counted orders placed in the month, incl. tax")
    orders = integer()
    attainment_pct = text(description="revenue / target in percent, one decimal; null without a target")


class ProductSalesRow(Schema):
    product_id = ident()
    sku = text()
    name = text()
    quantity = integer()
    revenue = money()
    net = money()
    orders = integer()


class TrendPeriod(Schema):
    period = text(nullable=False)
    start = text(nullable=False, description="YYYY-MM-DD")
    end = text(nullable=False, description="YYYY-MM-DD, exclusive")
    new = integer()
    active = integer()
    lost = integer()


class CustomerTrend(Schema):
    items = many(TrendPeriod)
    granularity = text(nullable=False)
    region = text(description="the region asked for (`region`); null: every region the caller sees")


class FunnelStage(Schema):
    stage = text(nullable=False)
    count = integer()
    amount = money(description="opportunity stages only")


class CompetitorLossRow(Schema):
    competitor_id = ident()
    name = text(description="null until the competitor's name has reached tracking")
    lost = integer(description="lost opportunities it won")
    amount = money()


class Funnel(Schema):
    items = many(FunnelStage)
    leads = integer()
    converted = integer()
    opportunities = integer()
    opportunities_by_stage = mapping()
    won = integer()
    region = text(description="the region asked for (`region`); null: every region the caller sees")


class ProfitRow(Schema):
    customer_id = ident()
    name = text()
    owner_id = ident(nullable=True)
    region = text(description="the customer's region")
    revenue = money()
    gross = money()
    cost_of_goods = money(description="admin, finance and managers only")
    expenses = money()
    profit = money(description="admin, finance and managers only")
    lines_without_cost = integer(description="admin, finance and managers only")


class ReceivablesByOwnerRow(Schema):
    owner_id = ident(nullable=True)
    owner_name = text()
    region = text(description="the customers' region (one row per owner and region)")
    customers = integer()
    invoiced = money()
    paid = money()
    outstanding = money()
    credit = money()


class SalesMonth(Schema):
    month = text(nullable=False, description="YYYY-MM")
    orders = integer()
    revenue = money()
    net = money()
    previous_month = text(nullable=False, description="the same month a year before")
    previous_orders = integer()
    previous_revenue = money()
    previous_net = money()


class SalesByMonth(Schema):
    items = many(SalesMonth)
    year = integer()


class ExpensesRow(Schema):
    count = integer()
    claimed = money(description="all claims but the rejected")
    approved = money(description="approved or paid")
    paid = money()
    submitted = money()
    submitter_id = ident(nullable=True, description="group=submitter")
    submitter_name = text(description="group=submitter")
    customer_id = ident(nullable=True, description="group=customer")
    name = text(description="group=customer: the customer's name")
    owner_id = ident(nullable=True, description="group=customer: the customer's owner")
    region = text(description="group=submitter: where the claims were made (one row per submitter and region); group=customer: the customer's region")


class AgeingByOwnerRow(Schema):
    owner_id = ident()
    owner_name = text()
    region = text(description="the customers' region (one row per owner and region)")
    customers = integer()
    days_0_30 = money()
    days_31_60 = money()
    days_61_90 = money()
    days_over_90 = money()
    total = money()


class ExpensesPage(Schema):
    items = many(ExpensesRow)
    total = integer()
    page = integer()
    per_page = integer()
    group = text(nullable=False, description="submitter or customer")


class AgeingByOwnerPage(Schema):
    items = many(AgeingByOwnerRow)
    total = integer()
    page = integer()
    per_page = integer()
    as_of = text(nullable=False, description="the moment the debts are aged at")


class Webhook(Schema):
    id = ident()
    owner_id = ident(description="whose visibility it has: an admin's sees every event")
    url = text(nullable=False)
    events = many(text(nullable=False), description="event type patterns: sales.order.* (one word), sales.# (any)")
    description = text()
    active = flag()
    created_at = when()
    updated_at = when()


class WebhookDelivery(Schema):
    id = ident()
    webhook_id = ident()
    event_id = ident()
    event_type = text(nullable=False)
    status = text(nullable=False, description="pending, delivered or failed")
    attempts = integer()
    response_code = integer(nullable=True, description="the receiver's last HTTP status (none: no answer)")
    last_error = text()
    created_at = when()
    last_attempt_at = when()
    next_attempt_at = when(description="when pending: the next attempt")
    delivered_at = when()


class WebhookAttempt(Schema):
    attempted_at = when()
    response_code = integer(nullable=True)
    error = text()
    duration_ms = integer()


class WebhookDeliveryDetail(WebhookDelivery):
    body = text(description="the JSON that is POSTed (the event envelope as the owner may see it)")
    attempt_log = many(WebhookAttempt)
