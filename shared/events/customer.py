"""Events the customer service publishes.

Every customer.customer.* event carries the customer's full snapshot, so that any
projection (the visibility copy in every service, tracking's read models) can apply the
newest one and ignore older ones by aggregate_seq.
"""

from marshmallow import Schema, fields, validate

from shared.events import register
from shared.events.fields import uuid_str

CUSTOMER_STATUSES = ("active", "lost", "deleted")

_CUSTOMER_SAMPLE = {
    "id": "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60",
    "name": "上海华东机电设备有限公司",
    "owner_id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01",
    "status": "active",
    "category": "A",
    "industry": "制造业",
    "phone": "021-55550000",
    "shared_with": [],
    "lost_reason": None,
    "created_at": "2026-11-22T08:00:00+00:00",
}


class CustomerSnapshot(Schema):
    id = uuid_str(required=True)
    name = fields.String(required=True)
    owner_id = uuid_str(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CUSTOMER_STATUSES))
    category = fields.String(allow_none=True, load_default=None)
    industry = fields.String(allow_none=True, load_default=None)
    phone = fields.String(allow_none=True, load_default=None)
    shared_with = fields.List(uuid_str(), required=True)
    lost_reason = fields.String(allow_none=True, load_default=None)
    created_at = fields.String(required=True)


def _customer_event(event_type: str, en: str, zh: str, **sample_changes):
    return register(event_type, sample={**_CUSTOMER_SAMPLE, **sample_changes}, summary_en=en, summary_zh=zh)


@_customer_event("customer.customer.created", "created customer {name}", "创建了客户 {name}")
class CustomerCreated(CustomerSnapshot):
    pass


@_customer_event("customer.customer.updated", "updated customer {name}", "修改了客户 {name}")
class CustomerUpdated(CustomerSnapshot):
    pass


@_customer_event("customer.customer.transferred", "transferred customer {name} to a new owner", "转移了客户 {name}")
class CustomerTransferred(CustomerSnapshot):
    pass


@_customer_event("customer.customer.shared", "shared customer {name}", "共享了客户 {name}",
                 shared_with=["0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c"])
class CustomerShared(CustomerSnapshot):
    pass


@_customer_event("customer.customer.unshared", "stopped sharing customer {name}", "取消共享客户 {name}")
class CustomerUnshared(CustomerSnapshot):
    pass


@_customer_event("customer.customer.lost", "marked customer {name} lost", "将客户 {name} 标记为流失",
                 status="lost", lost_reason="转向竞争对手")
class CustomerLost(CustomerSnapshot):
    pass


@_customer_event("customer.customer.deleted", "deleted customer {name}", "删除了客户 {name}", status="deleted")
class CustomerDeleted(CustomerSnapshot):
    pass


@_customer_event("customer.customer.restored", "restored customer {name}", "恢复了客户 {name}")
class CustomerRestored(CustomerSnapshot):
    pass


# ---- leads and conversion (sales creates the opportunity from lead.converted) ------

_LEAD_SAMPLE = {
    "id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
    "name": "李四",
    "company": "苏州精工科技有限公司",
    "phone": "13800000000",
    "email": "lisi@example.cn",
    "source": "展会",
    "owner_id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01",
    "status": "new",
}


class LeadSnapshot(Schema):
    id = uuid_str(required=True)
    name = fields.String(required=True)
    company = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True)
    source = fields.String(required=True, allow_none=True)
    owner_id = uuid_str(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("new", "converted", "disqualified")))


@register("customer.lead.created", sample=_LEAD_SAMPLE,
          summary_en="created lead {name}", summary_zh="创建了线索 {name}")
class LeadCreated(LeadSnapshot):
    pass


class ConvertedOpportunity(Schema):
    id = uuid_str(required=True)
    name = fields.String(required=True)
    amount = fields.String(required=True)
    expected_close_date = fields.String(required=True, allow_none=True)


@register("customer.lead.converted",
          sample={"lead_id": _LEAD_SAMPLE["id"], "customer_id": _CUSTOMER_SAMPLE["id"],
                  "contact_id": "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f", "owner_id": _LEAD_SAMPLE["owner_id"],
                  "name": "李四",
                  "opportunity": {"id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "name": "精工 首单",
                                  "amount": "80000.00", "expected_close_date": "2027-01-31"}},
          summary_en="converted lead {name} into a customer", summary_zh="将线索 {name} 转化为客户")
class LeadConverted(Schema):
    """customer_id is the envelope's customer too. When opportunity is set, the sales
    service creates an opportunity with exactly that id."""

    lead_id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    contact_id = uuid_str(required=True)
    owner_id = uuid_str(required=True)
    name = fields.String(required=True)
    opportunity = fields.Nested(ConvertedOpportunity, required=True, allow_none=True)
