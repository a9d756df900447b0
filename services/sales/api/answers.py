"""What the sales service's endpoints answer (documentation schemas for the OpenAPI
document). Orders, quotes, opportunities and contracts extend their event snapshots
(shared/events/sales.py): an answer is the snapshot plus what only the API shows."""

from marshmallow import Schema

from shared.answers import anything, flag, ident, integer, many, money, nested, status, text, when
from shared.events.sales import (
    ContractSnapshot,
    OpportunitySnapshot,
    OrderFee,
    OrderLine,
    OrderSnapshot,
    QuoteSnapshot,
)


class StockWarning(Schema):
    line = integer(description="index of the line, from 0")
    code = text(nullable=False)
    product_id = ident()
    requested = integer()
    available = integer()
    message = text(nullable=False)


class OrderLineOut(OrderLine):
    product_name = text()


class Order(OrderSnapshot):
    customer_name = text(description="the customer's name (from this service's copy), for roles that may not open the customer")
    lines = many(OrderLineOut)
    approved_by = ident(nullable=True)
    created_by = ident(nullable=True)
    edited_by = ident(nullable=True, description="who last edited the order before it was confirmed (never its approver)")
    reserved_warehouse_id = ident(nullable=True)
    updated_at = when()
    warnings = many(StockWarning, description="on create: lines above the available stock")


class QuoteLine(Schema):
    product_id = ident()
    product_name = text()
    quantity = integer()
    unit_price = money()
    discount_pct = text(nullable=False)
    tax_rate = text(nullable=False)
    net = money()
    tax = money()
    gross = money()


class Quote(QuoteSnapshot):
    lines = many(QuoteLine)
    copied_from = ident(nullable=True)
    sent_at = when()
    updated_at = when()
    terms = text(description="the quote's terms (payment, delivery, warranty), printed on the PDF")
    approval_note = text(description="the note sent with the approval request")
    approval_comment = text(description="the approver's comment")
    approval_by = ident(nullable=True, description="who approved or turned it down")
    approval_at = when()
    warnings = many(StockWarning, description="lines above the available stock")


class Opportunity(OpportunitySnapshot):
    competitors = many(text(nullable=False))
    weighted_amount = money()
    updated_at = when()


class StageChange(Schema):
    from_stage = text(description="null: created in to_stage")
    to_stage = text(nullable=False)
    changed_by = ident(nullable=True)
    changed_at = when()
    days_in_from_stage = integer(nullable=True, description="whole days it stayed in from_stage")


class StageHistory(Schema):
    items = many(StageChange)
    total = integer()
    page = integer()
    per_page = integer()


class PipelineStage(Schema):
    stage = text(nullable=False)
    probability = integer()
    count = integer()
    amount = money()
    weighted_amount = money()


class PipelineTotal(Schema):
    count = integer()
    amount = money()
    weighted_amount = money()


class Pipeline(Schema):
    items = many(PipelineStage)
    total = nested(PipelineTotal, description="the open stages summed")


class ForecastMonth(Schema):
    month = text(nullable=False, description="YYYY-MM")
    count = integer()
    amount = money()
    weighted_amount = money()


class Forecast(Schema):
    items = many(ForecastMonth)


class Contract(ContractSnapshot):
    customer_name = text(description="the customer's name (from this service's copy)")
    terms = text()
    signed_at = when()
    fulfilled_at = when()
    updated_at = when()


class Attachment(Schema):
    id = ident()
    contract_id = ident()
    filename = text(nullable=False)
    content_type = text()
    size = integer()
    uploaded_by = ident(nullable=True)
    created_at = when()


class QuotePricing(Schema):
    """Lines priced as a quote would price them, nothing saved."""

    lines = many(QuoteLine)
    net = money()
    tax = money()
    gross = money()
    warnings = many(anything(), description="lines whose quantity exceeds available stock")


class OrderPricing(QuotePricing):
    """An order's lines and fees priced as POST /orders would, nothing saved (issue 16)."""

    fees = many(OrderFee)
    needs_approval = flag(description="a line's effective discount is past the approval threshold: the order would wait for a manager")


class DefaultPrice(Schema):
    customer_id = ident()
    product_id = ident()
    unit_price = money()
    source = text(nullable=False, description="last (the last price charged to this customer) or list")
    last_price = money(nullable=True)
    list_price = money()
    active = flag()


class ProjectCompetitor(Schema):
    competitor_id = ident(nullable=True)
    name = text()
    offer = money(nullable=True)
    notes = text()


class ProjectContact(Schema):
    contact_id = ident()
    role = text(nullable=False)


class Project(Schema):
    id = ident()
    number = text(nullable=False)
    customer_id = ident()
    customer_name = text()
    owner_id = ident()
    created_by = ident()
    name = text(nullable=False)
    description = text()
    estimated_amount = money(nullable=True)
    budget = money(nullable=True)
    competitors = many(ProjectCompetitor, description="the competition: who else bids, their offer, notes")
    contacts = many(ProjectContact, description="the customer's people involved and their role in the decision")
    status = status("draft", "pending_approval", "approved", "rejected")
    submit_note = text(description="the applicant's note on the 立项 application")
    submitted_at = when()
    decided_by = ident(nullable=True)
    decided_at = when()
    decision_comment = text(description="the approver's comment")
    created_at = when()
    updated_at = when()


class SalesTarget(Schema):
    owner_id = ident(description="the rep (or manager) the target is for")
    month = text(nullable=False, description="YYYY-MM")
    amount = money(description="revenue incl. tax to reach in the month")
    set_by = ident(description="who set it last")
    updated_at = when()
