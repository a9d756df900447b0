"""Events the sales (order) service publishes. Cross-service contract: inventory reacts
to sales.order.placed / cancelled; billing keeps an order copy from every
sales.order.* event (each carries the order's full snapshot)."""

from marshmallow import Schema, fields, validate

from shared.events import register
from shared.events.fields import (
    MAX_DEAL_AMOUNT,
    MAX_QUANTITY,
    date_str,
    money,
    pct,
    qty,
    uuid_str,
)

ORDER_STATUSES = ("pending_approval", "pending", "confirmed", "rejected", "partially_shipped",
                  "shipped", "cancelled", "closed")
PAYMENT_STATUSES = ("unpaid", "partially_paid", "paid")
STAGES = ("prospecting", "qualification", "proposal", "negotiation", "won", "lost")

_LINE = {"product_id": "5b1d3f9e-2c4a-4e6b-8d0f-1a2b3c4d5e6f", "quantity": 3, "unit_price": "100.00",
         "discount_pct": "10", "tax_rate": "13", "net": "270.00", "tax": "35.10", "gross": "305.10"}
_ORDER = {
    "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "number": "SO-2026-000001",
    "customer_id": "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60",
    "owner_id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01",
    "warehouse_id": None,
    "quote_id": None,
    "status": "pending",
    "payment_status": "unpaid",
    "lines": [_LINE],
    "net": "270.00", "tax": "35.10", "gross": "305.10",
    "invoiced_amount": "0.00", "paid_amount": "0.00",
    "reason": None,
    "created_at": "2026-11-22T08:00:00+00:00",
}


_LINE_MONEY = {"required": True, "minimum": 0, "maximum": MAX_DEAL_AMOUNT}


class OrderLine(Schema):
    """One line: quantity and amounts within what the sales API accepts for a line (so
    every consumer's columns hold them); the order's totals within MAX_MONEY."""

    product_id = uuid_str(required=True)
    quantity = qty(required=True, minimum=1, maximum=MAX_QUANTITY)
    unit_price = money(**_LINE_MONEY)
    discount_pct = pct(required=True)
    tax_rate = pct(required=True)
    net = money(**_LINE_MONEY)
    tax = money(**_LINE_MONEY)
    gross = money(**_LINE_MONEY)
    shipped_quantity = qty(load_default=0, maximum=MAX_QUANTITY)
    delivery_date = date_str(load_default=None, allow_none=True)  # issue 16: the line's own requested date


class OrderFee(Schema):
    """A fee beside the lines (issue 16): amount is net; tax and gross as a line's."""

    kind = fields.String(required=True, validate=validate.OneOf(("freight", "installation", "other")))
    description = fields.String(load_default=None, allow_none=True)
    amount = money(**_LINE_MONEY)
    tax_rate = pct(required=True)
    tax = money(**_LINE_MONEY)
    gross = money(**_LINE_MONEY)


class OrderSnapshot(Schema):
    id = uuid_str(required=True)
    number = fields.String(required=True)
    customer_id = uuid_str(required=True)
    owner_id = uuid_str(required=True)
    warehouse_id = uuid_str(required=True, allow_none=True)
    quote_id = uuid_str(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(ORDER_STATUSES))
    payment_status = fields.String(required=True, validate=validate.OneOf(PAYMENT_STATUSES))
    lines = fields.List(fields.Nested(OrderLine), required=True, validate=validate.Length(min=1))
    net = money(required=True, minimum=0)
    tax = money(required=True, minimum=0)
    gross = money(required=True, minimum=0)
    invoiced_amount = money(required=True, minimum=0)
    paid_amount = money(required=True, minimum=0)
    reason = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True)
    # issue 16 (older events have none): fees in the totals, the requested delivery date
    fees = fields.List(fields.Nested(OrderFee), load_default=list)
    delivery_date = date_str(load_default=None, allow_none=True)


def _order_event(event_type: str, en: str, zh: str, note_field: str | None = None, **changes):
    return register(event_type, sample={**_ORDER, **changes}, summary_en=en, summary_zh=zh, note_field=note_field)


@_order_event("sales.order.created", "created order {number}, amount ¥{gross}", "创建了订单 {number}，金额 ¥{gross}")
class OrderCreated(OrderSnapshot):
    """An order was written (status pending or pending_approval)."""


@_order_event("sales.order.approval_requested", "order {number} awaits discount approval",
              "订单 {number} 等待折扣审批", status="pending_approval")
class OrderApprovalRequested(OrderSnapshot):
    pass


@_order_event("sales.order.approved", "approved order {number}", "审批通过订单 {number}", note_field="reason")
class OrderApproved(OrderSnapshot):
    pass


@_order_event("sales.order.placed", "placed order {number}, amount ¥{gross}", "下达了订单 {number}，金额 ¥{gross}")
class OrderPlaced(OrderSnapshot):
    """Starts the reservation saga: inventory reserves every line or none."""


@_order_event("sales.order.confirmed", "order {number} confirmed (stock reserved)", "订单 {number} 已确认（库存已预留）",
              status="confirmed")
class OrderConfirmed(OrderSnapshot):
    pass


@_order_event("sales.order.rejected", "order {number} rejected: {reason}", "订单 {number} 被拒绝：{reason}",
              status="rejected", reason="库存不足")
class OrderRejected(OrderSnapshot):
    pass


@_order_event("sales.order.cancelled", "cancelled order {number}", "取消了订单 {number}", status="cancelled")
class OrderCancelled(OrderSnapshot):
    """Inventory releases whatever it reserved for the order."""


@_order_event("sales.order.shipping_updated", "order {number} is {status}", "订单 {number} 发货状态：{status}",
              status="partially_shipped")
class OrderShippingUpdated(OrderSnapshot):
    pass


@_order_event("sales.order.payment_updated", "order {number} payment: {payment_status}",
              "订单 {number} 收款状态：{payment_status}", payment_status="partially_paid", paid_amount="100.00")
class OrderPaymentUpdated(OrderSnapshot):
    pass


@_order_event("sales.order.updated", "edited order {number}, amount ¥{gross}", "修改了订单 {number}，金额 ¥{gross}")
class OrderUpdated(OrderSnapshot):
    """A held or pending order was edited (issue 16): lines (held only), fees, delivery
    date. Billing's copy follows the new gross; a held order that no longer needs approval
    is placed next (sales.order.placed)."""


@_order_event("sales.order.closed", "closed order {number}", "关闭了订单 {number}", status="closed")
class OrderClosed(OrderSnapshot):
    pass


_OPPORTUNITY = {
    "id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    "customer_id": "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60",
    "owner_id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01",
    "lead_id": None,
    "name": "华东机电 2027 年度采购",
    "amount": "500000.00",
    "stage": "qualification",
    "probability": 20,
    "expected_close_date": "2027-03-31",
    "next_step": None,
    "lost_reason": None,
    "created_at": "2026-11-22T08:00:00+00:00",
}


class OpportunitySnapshot(Schema):
    id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    owner_id = uuid_str(required=True)
    lead_id = uuid_str(required=True, allow_none=True)
    name = fields.String(required=True)
    amount = money(required=True, minimum=0, maximum=MAX_DEAL_AMOUNT)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    probability = qty(required=True, maximum=100)
    expected_close_date = date_str(required=True, allow_none=True)
    next_step = fields.String(required=True, allow_none=True)
    lost_reason = fields.String(required=True, allow_none=True)
    project_id = uuid_str(load_default=None, allow_none=True)  # the customer project, when there is one
    created_at = fields.String(required=True)
    # issue 16 (optional, so older producers/consumers keep working)
    competitor_ids = fields.List(uuid_str(), load_default=list)
    lost_to_competitor_id = uuid_str(allow_none=True, load_default=None)
    campaign_id = uuid_str(allow_none=True, load_default=None)  # the marketing campaign it came from
    source = fields.String(allow_none=True, load_default=None)  # issue 16: where it came from
    budget = money(allow_none=True, load_default=None, minimum=0, maximum=MAX_DEAL_AMOUNT)  # the customer's budget


@register("sales.opportunity.created", sample=_OPPORTUNITY,
          summary_en="created opportunity {name}, amount ¥{amount}", summary_zh="创建了商机 {name}，金额 ¥{amount}")
class OpportunityCreated(OpportunitySnapshot):
    pass


@register("sales.opportunity.updated", sample={**_OPPORTUNITY, "stage": "proposal", "probability": 50},
          summary_en="opportunity {name} is now {stage}", summary_zh="商机 {name} 进入 {stage} 阶段")
class OpportunityUpdated(OpportunitySnapshot):
    pass


@register("sales.handover.opportunities_moved",
          sample={"handover_id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
                  "from_user_id": _OPPORTUNITY["owner_id"], "to_user_id": "8a2d2c8f-4d66-4f1f-8b1a-3e7b2dac9f12",
                  "opportunities": 3},
          summary_en="moved {opportunities} open opportunities to the new owner",
          summary_zh="将 {opportunities} 个进行中的商机移交给新负责人")
class HandoverOpportunitiesMoved(Schema):
    """Sales' part of a rep's hand-over (customer.handover.completed): the open opportunities
    (not won or lost) moved, each with its sales.opportunity.updated; the customer service
    records the count on the job."""

    handover_id = uuid_str(required=True)
    from_user_id = uuid_str(required=True)
    to_user_id = uuid_str(required=True)
    opportunities = qty(required=True)


# ---- quotes and contracts (added by the sales service; tracking shows them) -----------

QUOTE_STATUSES = ("draft", "sent", "accepted", "rejected", "expired")
_QUOTE = {
    "id": "6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b",
    "number": "QT-2026-000001",
    "customer_id": "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60",
    "owner_id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01",
    "opportunity_id": None,
    "status": "draft",
    "valid_until": "2026-12-31",
    "net": "270.00", "tax": "35.10", "gross": "305.10",
    "order_id": None,
    "created_at": "2026-11-22T08:00:00+00:00",
}


class QuoteSnapshot(Schema):
    id = uuid_str(required=True)
    number = fields.String(required=True)
    customer_id = uuid_str(required=True)
    owner_id = uuid_str(required=True)
    opportunity_id = uuid_str(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(QUOTE_STATUSES))
    valid_until = date_str(required=True)
    net = money(required=True, minimum=0)
    tax = money(required=True, minimum=0)
    gross = money(required=True, minimum=0)
    order_id = uuid_str(required=True, allow_none=True)
    created_at = fields.String(required=True)
    # a discount past the approval threshold, and where its approval stands (events before it: absent)
    needs_approval = fields.Boolean(load_default=False)
    approval_status = fields.String(load_default=None, allow_none=True,
                                    validate=validate.OneOf(("pending", "approved", "rejected")))


@register("sales.quote.created", sample=_QUOTE,
          summary_en="created quote {number}, amount ¥{gross}", summary_zh="创建了报价单 {number}，金额 ¥{gross}")
class QuoteCreated(QuoteSnapshot):
    pass


@register("sales.quote.updated", sample={**_QUOTE, "status": "sent"},
          summary_en="quote {number} is {status}", summary_zh="报价单 {number} 状态：{status}")
class QuoteUpdated(QuoteSnapshot):
    """Status changes, sending by email, conversion to an order (order_id set)."""


@register("sales.quote.approval_requested", sample={**_QUOTE, "needs_approval": True, "approval_status": "pending",
                                                    "note": "大客户，首单让利"},
          summary_en="asked for approval of quote {number} (¥{gross})", summary_zh="提交了报价单 {number}（¥{gross}）的审批",
          note_field="note")
class QuoteApprovalRequested(QuoteSnapshot):
    """The managers above the owner are told (tracking's notifications)."""

    note = fields.String(load_default=None, allow_none=True)


@register("sales.quote.approved", sample={**_QUOTE, "needs_approval": True, "approval_status": "approved",
                                          "comment": "同意"},
          summary_en="approved quote {number}", summary_zh="批准了报价单 {number}", note_field="comment")
class QuoteApproved(QuoteSnapshot):
    comment = fields.String(load_default=None, allow_none=True)


@register("sales.quote.approval_rejected", sample={**_QUOTE, "needs_approval": True, "approval_status": "rejected",
                                                   "comment": "折扣太大"},
          summary_en="turned down quote {number}", summary_zh="驳回了报价单 {number}", note_field="comment")
class QuoteApprovalRejected(QuoteSnapshot):
    comment = fields.String(load_default=None, allow_none=True)


CONTRACT_STATUSES = ("review", "signed", "fulfilled")
_CONTRACT = {
    "id": "0f1e2d3c-4b5a-4697-8877-665544332211",
    "number": "HT-2026-000001",
    "order_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    "customer_id": "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60",
    "owner_id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01",
    "title": "离心泵采购合同",
    "status": "review",
    "created_at": "2026-11-22T08:00:00+00:00",
}


class ContractSnapshot(Schema):
    id = uuid_str(required=True)
    number = fields.String(required=True)
    order_id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    owner_id = uuid_str(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CONTRACT_STATUSES))
    created_at = fields.String(required=True)


@register("sales.contract.created", sample=_CONTRACT,
          summary_en="drew up contract {number} ({title})", summary_zh="起草了合同 {number}（{title}）")
class ContractCreated(ContractSnapshot):
    pass


@register("sales.contract.updated", sample={**_CONTRACT, "status": "signed"},
          summary_en="contract {number} is {status}", summary_zh="合同 {number} 状态：{status}")
class ContractUpdated(ContractSnapshot):
    pass


# ---- customer projects (立项): application, approval; tracking shows every step ----------

PROJECT_STATUSES = ("draft", "pending_approval", "approved", "rejected")
_PROJECT = {
    "id": "4b5c6d7e-8f90-4a1b-9c2d-3e4f5a6b7c8d",
    "number": "PJ-2026-000001",
    "customer_id": "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60",
    "owner_id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01",
    "name": "华东机电 二期厂房自动化改造",
    "status": "draft",
    "estimated_amount": "1200000.00",
    "budget": "30000.00",
    "competitor_names": ["西门子"],
    "note": None,
    "comment": None,
    "created_at": "2026-11-22T08:00:00+00:00",
}


class ProjectSnapshot(Schema):
    """The project as the timeline and the other services need it (the competition's
    offers and notes and the customer's people stay in sales)."""

    id = uuid_str(required=True)
    number = fields.String(required=True)
    customer_id = uuid_str(required=True)
    owner_id = uuid_str(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PROJECT_STATUSES))
    estimated_amount = money(required=True, allow_none=True, minimum=0, maximum=MAX_DEAL_AMOUNT)
    budget = money(required=True, allow_none=True, minimum=0, maximum=MAX_DEAL_AMOUNT)
    competitor_names = fields.List(fields.String(), required=True)
    note = fields.String(required=True, allow_none=True)  # the applicant's note on submitting
    comment = fields.String(required=True, allow_none=True)  # the approver's comment
    created_at = fields.String(required=True)


def _project_event(event_type: str, en: str, zh: str, note_field: str | None = None, **changes):
    return register(event_type, sample={**_PROJECT, **changes}, summary_en=en, summary_zh=zh, note_field=note_field)


@_project_event("sales.project.created", "recorded project {number} {name}", "登记了项目 {number} {name}")
class ProjectCreated(ProjectSnapshot):
    pass


@_project_event("sales.project.updated", "updated project {number} {name}", "修改了项目 {number} {name}")
class ProjectUpdated(ProjectSnapshot):
    pass


@_project_event("sales.project.submitted", "applied for approval of project {number} {name}",
                "提交了项目 {number} {name} 的立项申请", note_field="note", status="pending_approval",
                note="可行性报告、预算报告已附")
class ProjectSubmitted(ProjectSnapshot):
    """Managers above the owner are told (tracking's notifications)."""


@_project_event("sales.project.approved", "approved project {number} {name}", "批准了项目 {number} {name} 立项",
                note_field="comment", status="approved", comment="同意，控制费用")
class ProjectApproved(ProjectSnapshot):
    pass


@_project_event("sales.project.rejected", "rejected project {number} {name}", "驳回了项目 {number} {name} 的立项申请",
                note_field="comment", status="rejected", comment="预算不足")
class ProjectRejected(ProjectSnapshot):
    pass


# ---- sales targets ----------------------------------------------------------------------

_TARGET = {"owner_id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01", "month": "2026-11", "amount": "200000.00",
           "set_by": "2b1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e02", "updated_at": "2026-11-01T08:00:00+00:00"}


@register("sales.target.set", sample=_TARGET, summary_en="set the {month} sales target to ¥{amount}",
          summary_zh="将 {month} 的销售目标设为 ¥{amount}")
class TargetSet(Schema):
    """A rep's target for a month, new or changed (tracking: the attainment report)."""

    owner_id = uuid_str(required=True)
    month = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$"))
    amount = money(required=True, minimum=0, maximum=MAX_DEAL_AMOUNT)
    set_by = uuid_str(required=True)
    updated_at = fields.String(required=True)


@register("sales.target.removed", sample={k: _TARGET[k] for k in ("owner_id", "month", "set_by")},
          summary_en="removed the {month} sales target", summary_zh="取消了 {month} 的销售目标")
class TargetRemoved(Schema):
    owner_id = uuid_str(required=True)
    month = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{4}-(0[1-9]|1[0-2])$"))
    set_by = uuid_str(required=True)
