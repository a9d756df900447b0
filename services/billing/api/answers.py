"""What the billing service's endpoints answer (documentation schemas for the OpenAPI
document; the views in api/common.py build the dicts)."""

from marshmallow import Schema

from shared.answers import decimal, ident, integer, many, money, status, text, when


class Invoice(Schema):
    customer_name = text(description="the customer's name (from this service's copy), for roles that may not open the customer")
    id = ident()
    number = text(nullable=False)
    order_id = ident()
    customer_id = ident()
    amount = money()
    status = status("issued", "void")
    void_reason = text()
    issued_at = when()
    issued_by = ident(nullable=True)
    voided_at = when()
    voided_by = ident(nullable=True)
    created_at = when()
    number_source = text(nullable=False, description="sequence (FP-<year>-<6 digits>) or manual (the real fapiao number)")


class Payment(Schema):
    customer_name = text(description="the customer's name (from this service's copy), for roles that may not open the customer")
    id = ident()
    customer_id = ident()
    order_id = ident(nullable=True)
    kind = status("order", "prepayment")
    amount = money()
    currency = text(nullable=False)
    rate_to_cny = decimal(description="six places")
    amount_cny = money()
    method = text()
    account = text()
    note = text()
    received_at = when()
    recorded_by = ident(nullable=True)
    status = status("confirmed", "unconfirmed", "rejected")
    decided_by = ident(nullable=True)
    decided_at = when()
    decision_note = text()
    created_at = when()


class Allocation(Schema):
    id = ident()
    customer_id = ident()
    order_id = ident()
    amount_cny = money()
    allocated_by = ident(nullable=True)
    created_at = when()


class AllocationMade(Allocation):
    credit_remaining = money()


class ExchangeRate(Schema):
    currency = text(nullable=False)
    rate_to_cny = decimal(description="six places")
    date = text(nullable=False, description="YYYY-MM-DD: the rate holds from this day")
    created_by = ident(nullable=True)
    created_at = when()


class Expense(Schema):
    id = ident()
    submitter_id = ident()
    amount = money()
    category = text(nullable=False)
    description = text()
    customer_id = ident(nullable=True)
    order_id = ident(nullable=True)
    project_id = ident(nullable=True, description="the customer project the claim is against")
    incurred_on = text(nullable=False, description="YYYY-MM-DD: the day the expense was incurred")
    status = status("submitted", "approved", "rejected", "paid")
    decided_by = ident(nullable=True)
    decided_at = when()
    decision_note = text()
    paid_by = ident(nullable=True)
    paid_at = when()
    created_at = when()


class ExpenseSummaryRow(Schema):
    submitter_id = ident()
    count = integer()
    total = money()
    submitted = money()
    approved = money()
    rejected = money()
    paid = money()


class ExpenseSummary(Schema):
    items = many(ExpenseSummaryRow)


class OpeningBalance(Schema):
    customer_id = ident()
    amount = money()
    as_of = text(nullable=False, description="YYYY-MM-DD")
    note = text()
    created_by = ident(nullable=True)
    created_at = when()


class Receivable(Schema):
    customer_id = ident()
    customer_name = text()
    opening_balance = money()
    invoiced = money()
    paid = money()
    credit = money()
    outstanding = money()
    net_outstanding = money()


class AgeingRow(Schema):
    customer_id = ident()
    customer_name = text()
    days_0_30 = money()
    days_31_60 = money()
    days_61_90 = money()
    days_over_90 = money()
    total = money()


class Ageing(Schema):
    items = many(AgeingRow)
    total = integer()
    page = integer()
    per_page = integer()
    as_of = text(nullable=False, description="YYYY-MM-DD")


class Conversion(Schema):
    currency = text(nullable=False)
    amount = money()
    date = text(nullable=False, description="the day asked about")
    rate_date = text(nullable=False, description="the day of the rate used (the latest on or before `date`)")
    rate_to_cny = decimal(description="six places")
    amount_cny = money()


class ImportRowError(Schema):
    row = integer(description="the file's row number (the header is row 1)")
    field = text(description="the field at fault: customer_name, amount, as_of or note")
    code = text(description="unknown_customer, ambiguous_customer, repeated_customer, has_opening_balance, "
                            "missing_customer, bad_amount, bad_date or long_note")
    name = text(description="the customer's name as the file gives it (customer errors)")
    message = text()


class OpeningBalanceImport(Schema):
    """An opening-balance import, in the shape GET /imports/{id} gives every import."""
    id = ident()
    status = status("done", "failed", "undone")
    kind = text(description="opening-balances (GET /jobs/{id}: import)")
    mode = text(description="create (an opening balance is entered once per customer)")
    match_on = text(description="null: there is no upsert")
    filename = text()
    total = integer()
    processed = integer()
    created = integer()
    updated = integer(description="always 0")
    duplicates = integer(description="always 0: a customer that has an opening balance is a row error")
    errors = many(ImportRowError)
    error_count = integer()
    undone = integer(nullable=True, description="opening balances removed by the undo")
    message = text()
    error_file = text(description="the failed rows as CSV with an error column (a path under the API), or null")
    owner_id = ident(nullable=True)
    created_by = ident(nullable=True)
    created_at = when()
    finished_at = when()
    undone_at = when()
