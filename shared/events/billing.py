"""Events the billing service publishes. Cross-service contract: sales moves an order's
payment_status / invoiced_amount / paid_amount from billing.order_balance.changed."""

from marshmallow import Schema, fields, validate

from shared.events import register
from shared.events.fields import date_str, money, time_str, uuid_str

_CUSTOMER_ID = "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60"
_ORDER_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


@register("billing.order_balance.changed",
          sample={"order_id": _ORDER_ID, "customer_id": _CUSTOMER_ID, "gross": "305.10",
                  "invoiced_amount": "305.10", "paid_amount": "100.00", "payment_status": "partially_paid"},
          summary_en="order balance: paid ¥{paid_amount} of ¥{gross}", summary_zh="订单收款：已收 ¥{paid_amount} / ¥{gross}")
class OrderBalanceChanged(Schema):
    """Aggregate: the order (aggregate_type "order_balance", aggregate_id = order id)."""

    order_id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    gross = money(required=True, minimum=0)
    invoiced_amount = money(required=True, minimum=0)
    paid_amount = money(required=True, minimum=0)
    payment_status = fields.String(required=True, validate=validate.OneOf(("unpaid", "partially_paid", "paid")))


_INVOICE = {"id": "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d", "number": "FP-2026-000001", "order_id": _ORDER_ID,
            "customer_id": _CUSTOMER_ID, "amount": "305.10", "status": "issued", "void_reason": None,
            "issued_at": "2026-11-22T08:00:00+00:00"}


class InvoiceSnapshot(Schema):
    id = uuid_str(required=True)
    number = fields.String(required=True)
    order_id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    amount = money(required=True, minimum=0)
    status = fields.String(required=True, validate=validate.OneOf(("issued", "void")))
    void_reason = fields.String(required=True, allow_none=True)
    issued_at = time_str(required=True)


@register("billing.invoice.issued", sample=_INVOICE,
          summary_en="issued invoice {number}, ¥{amount}", summary_zh="开具了发票 {number}，金额 ¥{amount}")
class InvoiceIssued(InvoiceSnapshot):
    pass


@register("billing.invoice.voided", sample={**_INVOICE, "status": "void", "void_reason": "开错抬头"},
          summary_en="voided invoice {number}: {void_reason}", summary_zh="作废了发票 {number}：{void_reason}")
class InvoiceVoided(InvoiceSnapshot):
    pass


_PAYMENT = {"id": "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f", "customer_id": _CUSTOMER_ID, "order_id": _ORDER_ID,
            "amount": "100.00", "currency": "USD", "rate_to_cny": "7.100000", "amount_cny": "710.00",
            "method": "bank_transfer", "account": "招商银行 基本户", "received_at": "2026-11-22T08:00:00+00:00"}
PAYMENT_STATUSES = ("confirmed", "unconfirmed", "rejected")


class PaymentSnapshot(Schema):
    id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    order_id = uuid_str(required=True, allow_none=True)
    amount = money(required=True, minimum=0)
    currency = fields.String(required=True)
    rate_to_cny = fields.String(required=True)
    amount_cny = money(required=True, minimum=0)
    method = fields.String(required=True)
    account = fields.String(required=True, allow_none=True)
    received_at = time_str(required=True)
    # optional (older events have none): only a confirmed payment counts anywhere
    status = fields.String(validate=validate.OneOf(PAYMENT_STATUSES))
    recorded_by = uuid_str(allow_none=True)
    decided_by = uuid_str(allow_none=True)
    decision_note = fields.String(allow_none=True)


@register("billing.payment.received", sample=_PAYMENT,
          summary_en="received payment {amount} {currency} (¥{amount_cny})", summary_zh="收到回款 {amount} {currency}（¥{amount_cny}）")
class PaymentReceived(PaymentSnapshot):
    """A payment that counts: recorded by finance, or a rep's cash payment finance confirmed."""


@register("billing.payment.recorded",
          sample={**_PAYMENT, "currency": "CNY", "rate_to_cny": "1.000000", "amount": "710.00", "method": "cash",
                  "account": None, "status": "unconfirmed", "recorded_by": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01"},
          summary_en="recorded a cash payment of ¥{amount_cny}, awaiting finance's confirmation",
          summary_zh="登记了现金回款 ¥{amount_cny}，待财务确认")
class PaymentRecorded(PaymentSnapshot):
    """A rep's cash payment, unconfirmed: it counts nowhere until billing.payment.received."""


@register("billing.payment.rejected",
          sample={**_PAYMENT, "currency": "CNY", "rate_to_cny": "1.000000", "amount": "710.00", "method": "cash",
                  "account": None, "status": "rejected", "recorded_by": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01",
                  "decided_by": "0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c", "decision_note": "未见现金入账"},
          summary_en="rejected the unconfirmed cash payment of ¥{amount_cny}: {decision_note}",
          summary_zh="驳回了未确认的现金回款 ¥{amount_cny}：{decision_note}")
class PaymentRejected(PaymentSnapshot):
    pass


@register("billing.prepayment.allocated",
          sample={"id": "7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a", "customer_id": _CUSTOMER_ID, "order_id": _ORDER_ID,
                  "amount_cny": "200.00"},
          summary_en="allocated ¥{amount_cny} of prepayment to an order", summary_zh="将预收款 ¥{amount_cny} 冲抵订单")
class PrepaymentAllocated(Schema):
    id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    order_id = uuid_str(required=True)
    amount_cny = money(required=True, minimum=0)


_EXPENSE = {"id": "8e9f0a1b-2c3d-4e4f-9a5b-6c7d8e9f0a1b", "submitter_id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01",
            "amount": "350.00", "category": "差旅", "description": "拜访客户交通费", "customer_id": _CUSTOMER_ID,
            "order_id": None, "status": "submitted", "decided_by": None}


class ExpenseSnapshot(Schema):
    id = uuid_str(required=True)
    submitter_id = uuid_str(required=True)
    amount = money(required=True, minimum=0)
    category = fields.String(required=True)
    description = fields.String(required=True)
    customer_id = uuid_str(required=True, allow_none=True)
    order_id = uuid_str(required=True, allow_none=True)
    project_id = uuid_str(load_default=None, allow_none=True)  # a customer project (events before it: absent)
    # the day the expense was incurred, YYYY-MM-DD (events before it: absent)
    incurred_on = date_str(load_default=None, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(("submitted", "approved", "rejected", "paid")))
    decided_by = uuid_str(required=True, allow_none=True)
    # the approver's comment or the reason for turning the claim down (events before it: absent)
    decision_note = fields.String(load_default=None, allow_none=True)


def _expense_event(event_type: str, en: str, zh: str, note_field: str | None = None, **changes):
    return register(event_type, sample={**_EXPENSE, **changes}, summary_en=en, summary_zh=zh, note_field=note_field)


@_expense_event("billing.expense.submitted", "submitted expense ¥{amount} ({category})", "提交了费用报销 ¥{amount}（{category}）")
class ExpenseSubmitted(ExpenseSnapshot):
    pass


@_expense_event("billing.expense.approved", "approved expense ¥{amount}", "批准了费用报销 ¥{amount}", "decision_note",
                status="approved",
                decided_by="0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c")
class ExpenseApproved(ExpenseSnapshot):
    pass


@_expense_event("billing.expense.rejected", "rejected expense ¥{amount}", "驳回了费用报销 ¥{amount}", "decision_note",
                status="rejected",
                decided_by="0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c")
class ExpenseRejected(ExpenseSnapshot):
    pass


@_expense_event("billing.expense.paid", "paid expense ¥{amount}", "支付了费用报销 ¥{amount}", status="paid",
                decided_by="0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c")
class ExpensePaid(ExpenseSnapshot):
    pass


@register("billing.opening_balance.recorded",
          sample={"customer_id": _CUSTOMER_ID, "amount": "12000.00", "as_of": "2026-01-01", "note": "系统上线前应收"},
          summary_en="recorded an opening balance of ¥{amount} as of {as_of}",
          summary_zh="录入了期初应收 ¥{amount}（截至 {as_of}）")
class OpeningBalanceRecorded(Schema):
    """Aggregate: the customer's opening balance (aggregate_type "opening_balance", id = customer id)."""

    customer_id = uuid_str(required=True)
    amount = money(required=True, minimum=0)
    as_of = date_str(required=True)
    note = fields.String(required=True, allow_none=True)


@register("billing.opening_balance.removed",
          sample={"customer_id": _CUSTOMER_ID, "amount": "12000.00", "as_of": "2026-01-01", "note": "系统上线前应收",
                  "import_id": "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"},
          summary_en="removed the opening balance of ¥{amount} (an import undone)",
          summary_zh="撤销导入，删除了期初应收 ¥{amount}")
class OpeningBalanceRemoved(Schema):
    """The opening balance is gone (its import undone): receivables drop by the amount.
    Aggregate as billing.opening_balance.recorded."""

    customer_id = uuid_str(required=True)
    amount = money(required=True, minimum=0)
    as_of = date_str(required=True)
    note = fields.String(required=True, allow_none=True)
    import_id = uuid_str(required=True)


@register("billing.exchange_rate.recorded",
          sample={"currency": "USD", "rate_to_cny": "7.100000", "date": "2026-11-22"},
          summary_en="rate {currency} = ¥{rate_to_cny} from {date}", summary_zh="汇率 {currency} = ¥{rate_to_cny}（{date} 起）")
class ExchangeRateRecorded(Schema):
    """Aggregate: "exchange_rate", id "<currency>:<date>". Not about a customer."""

    currency = fields.String(required=True, validate=validate.Length(equal=3))
    rate_to_cny = fields.String(required=True)
    date = date_str(required=True)
