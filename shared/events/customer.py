"""Events the customer service publishes.

Every customer.customer.* event carries the customer's full snapshot, so that any
projection (the visibility copy in every service, tracking's read models) can apply the
newest one and ignore older ones by aggregate_seq.
"""

from marshmallow import Schema, fields, validate

from shared.events import register
from shared.events.fields import MAX_DEAL_AMOUNT, date_str, money, qty, time_str, uuid_str

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
    # added fields (optional, so older producers/consumers keep working)
    website = fields.String(allow_none=True, load_default=None)
    address = fields.String(allow_none=True, load_default=None)
    custom_fields = fields.Dict(allow_none=True, load_default=None)
    updated_at = fields.String(allow_none=True, load_default=None)
    kind = fields.String(allow_none=True, load_default=None)  # issue 16: customer, agent, partner, ...
    handover_id = uuid_str(allow_none=True, load_default=None)  # issue 16: moved by a rep's hand-over job
    handover_note = fields.String(allow_none=True, load_default=None)  # "<rep> → <colleague>" on the timeline


def _customer_event(event_type: str, en: str, zh: str, **sample_changes):
    return register(event_type, sample={**_CUSTOMER_SAMPLE, **sample_changes}, summary_en=en, summary_zh=zh)


@_customer_event("customer.customer.created", "created customer {name}", "创建了客户 {name}")
class CustomerCreated(CustomerSnapshot):
    pass


@_customer_event("customer.customer.updated", "updated customer {name}", "修改了客户 {name}")
class CustomerUpdated(CustomerSnapshot):
    pass


@register("customer.customer.transferred", sample=_CUSTOMER_SAMPLE, summary_en="transferred customer {name} to a new owner",
          summary_zh="转移了客户 {name}", note_field="handover_note")
class CustomerTransferred(CustomerSnapshot):
    """handover_note (a rep's hand-over, issue 16): "<rep> → <colleague>", after the line."""


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


_MERGE_SAMPLE = {"merge_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
                 "survivor_id": "9c8b7a6f-5e4d-4c3b-8a29-1807f6e5d4c3", "survivor_name": "华东机电"}


class MergeSnapshot(CustomerSnapshot):
    """The duplicate's snapshot (the aggregate), the merge and the customer it went into:
    every service moves the duplicate's records to survivor_id (shared.merges), and back on undo."""
    merge_id = uuid_str(required=True)
    survivor_id = uuid_str(required=True)
    survivor_name = fields.String(allow_none=True, load_default=None)


@_customer_event("customer.customer.merged", "merged duplicate customer {name} into {survivor_name}",
                 "将重复客户 {name} 合并到 {survivor_name}", status="deleted", **_MERGE_SAMPLE)
class CustomerMerged(MergeSnapshot):
    pass


@_customer_event("customer.customer.merge_undone", "undid the merge of customer {name} into {survivor_name}",
                 "撤销了客户 {name} 合并到 {survivor_name}", **_MERGE_SAMPLE)
class CustomerMergeUndone(MergeSnapshot):
    pass


@register("customer.share.requested",
          sample={"customer_id": _CUSTOMER_SAMPLE["id"], "customer_name": _CUSTOMER_SAMPLE["name"],
                  "owner_id": _CUSTOMER_SAMPLE["owner_id"], "requester_id": "0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c",
                  "requester_name": "王芳"},
          summary_en="asked the owner to share customer {customer_name}",
          summary_zh="请求负责人共享客户 {customer_name}")
class ShareRequested(Schema):
    """A rep who may not see the customer (a duplicate name) asks its owner to share it;
    tracking notifies the owner."""

    customer_id = uuid_str(required=True)
    customer_name = fields.String(required=True)
    owner_id = uuid_str(required=True)
    requester_id = uuid_str(required=True)
    requester_name = fields.String(required=True)


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


@register("customer.lead.updated", sample={**_LEAD_SAMPLE, "status": "disqualified"},
          summary_en="updated lead {name} ({status})", summary_zh="修改了线索 {name}（{status}）")
class LeadUpdated(LeadSnapshot):
    pass


class ConvertedOpportunity(Schema):
    """What the sales service creates: the same bounds as its POST /opportunities, so a
    conversion it could not store is refused before the customer service commits it."""

    id = uuid_str(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    amount = money(required=True, minimum=0, maximum=MAX_DEAL_AMOUNT)
    expected_close_date = date_str(required=True, allow_none=True)


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


# ---- lead assignment and lead activities (issue 16) -------------------------------------

ACTIVITY_KINDS = ("call", "visit", "email", "meeting", "note")

@register("customer.lead.assigned",
          sample={**_LEAD_SAMPLE, "owner_id": "8a2d2c8f-4d66-4f1f-8b1a-3e7b2dac9f12",
                  "previous_owner_id": _LEAD_SAMPLE["owner_id"]},
          summary_en="assigned lead {name} to another rep", summary_zh="将线索 {name} 分配给了其他销售")
class LeadAssigned(LeadSnapshot):
    """The lead's snapshot with its new owner (tracking notifies them)."""

    previous_owner_id = uuid_str(required=True)
    handover_id = uuid_str(allow_none=True, load_default=None)  # moved by a rep's hand-over (one notice for all)


@register("customer.lead_activity.logged",
          sample={"id": "6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8091", "lead_id": _LEAD_SAMPLE["id"],
                  "kind": "call", "summary": "电话沟通需求，约下周拜访",
                  "occurred_at": "2026-11-22T09:30:00+00:00", "author_id": _LEAD_SAMPLE["owner_id"],
                  "lead_name": _LEAD_SAMPLE["name"]},
          summary_en="logged a {kind} on lead {lead_name}: {summary}", summary_zh="在线索 {lead_name} 上记录了{kind}：{summary}")
class LeadActivityLogged(Schema):
    """A call, visit, note... on a lead (no customer yet: in the audit, not on a timeline).
    When the lead is converted its activities move to the customer, each with a
    customer.activity.logged of the same id (then on the customer's timeline)."""

    id = uuid_str(required=True)
    lead_id = uuid_str(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    summary = fields.String(required=True)
    occurred_at = time_str(required=True)
    author_id = uuid_str(required=True)
    lead_name = fields.String(required=True)


# ---- a rep's hand-over (issue 16): everything of one rep to a colleague in one job --------

@register("customer.handover.completed",
          sample={"id": "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", "from_user_id": _LEAD_SAMPLE["owner_id"],
                  "to_user_id": "8a2d2c8f-4d66-4f1f-8b1a-3e7b2dac9f12", "from_name": "张三", "to_name": "李四",
                  "customers": 120, "leads": 8, "tasks": 5},
          summary_en="handed over {from_name}'s {customers} customers, {leads} leads and {tasks} tasks to {to_name}",
          summary_zh="将 {from_name} 的 {customers} 个客户、{leads} 条线索和 {tasks} 个任务移交给 {to_name}")
class HandoverCompleted(Schema):
    """The hand-over job `id` has moved the customers, open leads and open tasks; the sales
    service moves the open opportunities from it (and answers sales.handover.opportunities_moved),
    tracking tells the new owner once."""

    id = uuid_str(required=True)
    from_user_id = uuid_str(required=True)
    to_user_id = uuid_str(required=True)
    from_name = fields.String(required=True, allow_none=True)
    to_name = fields.String(required=True, allow_none=True)
    customers = qty(required=True)
    leads = qty(required=True)
    tasks = qty(required=True)


# ---- contacts -------------------------------------------------------------------------

_CONTACT_SAMPLE = {
    "id": "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f",
    "customer_id": _CUSTOMER_SAMPLE["id"],
    "name": "王五",
    "title": "采购经理",
    "phone": "13900000000",
    "email": "wangwu@example.cn",
    "is_decision_maker": True,
}


class ContactSnapshot(Schema):
    id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    name = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True)
    is_decision_maker = fields.Boolean(required=True)
    # 直接领导 (another contact of the customer) and whether a photo is on file (events before them: absent)
    superior_id = uuid_str(load_default=None, allow_none=True)
    has_photo = fields.Boolean(load_default=False)


@register("customer.contact.created", sample=_CONTACT_SAMPLE,
          summary_en="added contact {name}", summary_zh="添加了联系人 {name}")
class ContactCreated(ContactSnapshot):
    pass


@register("customer.contact.updated", sample=_CONTACT_SAMPLE,
          summary_en="updated contact {name}", summary_zh="修改了联系人 {name}")
class ContactUpdated(ContactSnapshot):
    pass


@register("customer.contact.deleted", sample=_CONTACT_SAMPLE,
          summary_en="removed contact {name}", summary_zh="删除了联系人 {name}")
class ContactDeleted(ContactSnapshot):
    pass


# ---- activities (visit logs) and managers' comments ------------------------------------



@register("customer.activity.logged",
          sample={"id": "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f80", "customer_id": _CUSTOMER_SAMPLE["id"],
                  "contact_id": None, "kind": "visit", "summary": "拜访采购部，讨论年度框架协议",
                  "occurred_at": "2026-11-22T09:30:00+00:00", "author_id": _CUSTOMER_SAMPLE["owner_id"]},
          summary_en="logged a {kind}: {summary}", summary_zh="记录了{kind}：{summary}")
class ActivityLogged(Schema):
    id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    contact_id = uuid_str(required=True, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    summary = fields.String(required=True)
    occurred_at = time_str(required=True)
    author_id = uuid_str(required=True)
    lead_id = uuid_str(allow_none=True, load_default=None)  # logged on a lead, carried over at conversion


@register("customer.activity.commented",
          sample={"id": "6e7f8a9b-0c1d-4e2f-9a3b-4c5d6e7f8a91", "activity_id": "5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f80",
                  "customer_id": _CUSTOMER_SAMPLE["id"], "activity_author_id": _CUSTOMER_SAMPLE["owner_id"],
                  "text": "下次带上技术支持一起去", "author_id": "0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c"},
          summary_en="commented on an activity: {text}", summary_zh="点评了拜访记录：{text}")
class ActivityCommented(Schema):
    """activity_author_id: the rep whose log was commented (to be notified)."""

    id = uuid_str(required=True)
    activity_id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    activity_author_id = uuid_str(required=True)
    text = fields.String(required=True)
    author_id = uuid_str(required=True)


# ---- complaints (tracking notifies the assignee on customer.complaint.assigned) --------

COMPLAINT_STATUSES = ("open", "in_progress", "resolved")

_COMPLAINT_SAMPLE = {
    "id": "7f8a9b0c-1d2e-4f3a-8b4c-5d6e7f8a9b02",
    "customer_id": _CUSTOMER_SAMPLE["id"],
    "subject": "到货包装破损",
    "description": "第二批货物外包装破损三箱",
    "assignee_id": "0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c",
    "status": "open",
    "created_by": _CUSTOMER_SAMPLE["owner_id"],
}


class ComplaintSnapshot(Schema):
    id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    subject = fields.String(required=True)
    description = fields.String(required=True, allow_none=True)
    assignee_id = uuid_str(required=True)
    status = fields.String(required=True, validate=validate.OneOf(COMPLAINT_STATUSES))
    created_by = uuid_str(required=True)


@register("customer.complaint.created", sample=_COMPLAINT_SAMPLE,
          summary_en="recorded complaint {subject}", summary_zh="登记了投诉 {subject}")
class ComplaintCreated(ComplaintSnapshot):
    pass


@register("customer.complaint.assigned", sample=_COMPLAINT_SAMPLE,
          summary_en="assigned complaint {subject}", summary_zh="分派了投诉 {subject}")
class ComplaintAssigned(ComplaintSnapshot):
    """The assignee (assignee_id) is to be notified."""


@register("customer.complaint.status_changed",
          sample={**_COMPLAINT_SAMPLE, "status": "in_progress", "previous_status": "open"},
          summary_en="complaint {subject}: {previous_status} -> {status}",
          summary_zh="投诉 {subject} 状态 {previous_status} → {status}")
class ComplaintStatusChanged(ComplaintSnapshot):
    previous_status = fields.String(required=True, validate=validate.OneOf(COMPLAINT_STATUSES))


# ---- assignment grants (shared.visibility: assigning a record gives its assignee read -----
# access to its customer; every service keeps the grants in acl_grants) ----------------

ASSIGNABLE_RECORD_TYPES = ("complaint", "service_order", "task")

_GRANT_SAMPLE = {
    "record_type": "complaint",
    "record_id": _COMPLAINT_SAMPLE["id"],
    "customer_id": _CUSTOMER_SAMPLE["id"],
    "label": _COMPLAINT_SAMPLE["subject"],
    "user_id": _COMPLAINT_SAMPLE["assignee_id"],
    "user_name": "李娜",
    "users": [_COMPLAINT_SAMPLE["assignee_id"]],
}


class AssignmentGrant(Schema):
    """One change of a record's grantees, with the full list after it (`users`), so a
    projection applies the newest by aggregate_seq (aggregate: the record id)."""

    record_type = fields.String(required=True, validate=validate.OneOf(ASSIGNABLE_RECORD_TYPES))
    record_id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    label = fields.String(required=True, allow_none=True)
    user_id = uuid_str(required=True)  # who gained (granted) or lost (revoked) the access
    user_name = fields.String(required=True, allow_none=True)
    users = fields.List(uuid_str(), required=True)


@register("customer.assignment.granted", sample=_GRANT_SAMPLE,
          summary_en="assigned {record_type} {label} to {user_name}, who may now read this customer",
          summary_zh="将「{label}」分派给 {user_name}，其可查看该客户")
class AssignmentGranted(AssignmentGrant):
    pass


@register("customer.assignment.revoked", sample={**_GRANT_SAMPLE, "users": []},
          summary_en="took {record_type} {label} from {user_name}, with the read access it gave",
          summary_zh="收回 {user_name} 的「{label}」分派及由此获得的客户查看权限")
class AssignmentRevoked(AssignmentGrant):
    pass


# ---- tasks (follow-ups with reminders) ---------------------------------------------------

TASK_STATUSES = ("open", "done", "cancelled")
TASK_RELATED_TYPES = ("lead", "opportunity", "quote", "order", "service_order")

_TASK_SAMPLE = {
    "id": "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b",
    "title": "回访华东机电，确认报价",
    "due_at": "2026-11-25T02:00:00+00:00",
    "remind_at": "2026-11-25T01:00:00+00:00",
    "assignee_id": _CUSTOMER_SAMPLE["owner_id"],
    "customer_id": _CUSTOMER_SAMPLE["id"],
    "related_type": None,
    "related_id": None,
    "repeat": None,
    "status": "open",
    "created_by": _CUSTOMER_SAMPLE["owner_id"],
}


class TaskSnapshot(Schema):
    """customer_id is the envelope's customer too (a task without one is nobody's timeline)."""

    id = uuid_str(required=True)
    title = fields.String(required=True)
    due_at = time_str(required=True)
    remind_at = time_str(required=True, allow_none=True)
    assignee_id = uuid_str(required=True)
    customer_id = uuid_str(required=True, allow_none=True)
    related_type = fields.String(required=True, allow_none=True, validate=validate.OneOf(TASK_RELATED_TYPES))
    related_id = uuid_str(required=True, allow_none=True)
    repeat = fields.String(required=True, allow_none=True, validate=validate.OneOf(("weekly", "monthly")))
    status = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    created_by = uuid_str(required=True)
    activity_id = uuid_str(allow_none=True, load_default=None)  # the activity logged on completion


@register("customer.task.created", sample=_TASK_SAMPLE,
          summary_en="created task {title}", summary_zh="创建了任务「{title}」")
class TaskCreated(TaskSnapshot):
    """The assignee is told when someone else assigned it (tracking)."""


@register("customer.task.updated", sample={**_TASK_SAMPLE, "title": "回访华东机电，确认报价与交期"},
          summary_en="changed task {title}", summary_zh="修改了任务「{title}」")
class TaskUpdated(TaskSnapshot):
    pass


@register("customer.task.completed", sample={**_TASK_SAMPLE, "status": "done"},
          summary_en="completed task {title}", summary_zh="完成了任务「{title}」")
class TaskCompleted(TaskSnapshot):
    pass


@register("customer.task.cancelled", sample={**_TASK_SAMPLE, "status": "cancelled"},
          summary_en="cancelled task {title}", summary_zh="取消了任务「{title}」")
class TaskCancelled(TaskSnapshot):
    pass


@register("customer.task.reopened", sample=_TASK_SAMPLE,
          summary_en="reopened task {title}", summary_zh="重新打开了任务「{title}」")
class TaskReopened(TaskSnapshot):
    pass


@register("customer.task.reminder_due",
          sample={"id": _TASK_SAMPLE["id"], "title": _TASK_SAMPLE["title"], "due_at": _TASK_SAMPLE["due_at"],
                  "remind_at": _TASK_SAMPLE["remind_at"], "assignee_id": _TASK_SAMPLE["assignee_id"],
                  "task_customer_id": _TASK_SAMPLE["customer_id"]},
          summary_en="reminder: task {title} is due", summary_zh="提醒：任务「{title}」到期")
class TaskReminderDue(Schema):
    """Written by the reminder scheduler in the transaction that marks the reminder fired
    (once per reminder time); tracking notifies the assignee. No customer on the envelope:
    a reminder is the assignee's, not an event of the customer's timeline
    (task_customer_id names it for the notification's link)."""

    id = uuid_str(required=True)
    title = fields.String(required=True)
    due_at = time_str(required=True)
    remind_at = time_str(required=True)
    assignee_id = uuid_str(required=True)
    task_customer_id = uuid_str(required=True, allow_none=True)


# ---- custom fields, work plans, out-of-office, imports ---------------------------------

@register("customer.custom_field.defined",
          sample={"id": "8a9b0c1d-2e3f-4a4b-9c5d-6e7f8a9b0c13", "name": "年采购额", "type": "number",
                  "choices": None, "required": False},
          summary_en="defined custom field {name}", summary_zh="定义了自定义字段 {name}")
class CustomFieldDefined(Schema):
    id = uuid_str(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(("text", "number", "date", "choice")))
    choices = fields.List(fields.String(), required=True, allow_none=True)
    required = fields.Boolean(required=True)


@register("customer.custom_field.changed",
          sample={"id": "8a9b0c1d-2e3f-4a4b-9c5d-6e7f8a9b0c13", "name": "年采购额", "type": "number",
                  "choices": None, "required": True},
          summary_en="changed custom field {name}", summary_zh="修改了自定义字段 {name}")
class CustomFieldChanged(CustomFieldDefined):
    pass


_WORK_PLAN_SAMPLE = {
    "id": "9b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d24", "user_id": _CUSTOMER_SAMPLE["owner_id"],
    "week_start": "2026-11-23", "plan": "拜访华东机电、精工科技", "summary": None,
}


class WorkPlanSnapshot(Schema):
    id = uuid_str(required=True)
    user_id = uuid_str(required=True)
    week_start = fields.String(required=True)
    plan = fields.String(required=True)
    summary = fields.String(required=True, allow_none=True)


@register("customer.work_plan.submitted", sample=_WORK_PLAN_SAMPLE,
          summary_en="submitted the work plan for the week of {week_start}",
          summary_zh="提交了 {week_start} 周工作计划")
class WorkPlanSubmitted(WorkPlanSnapshot):
    pass


@register("customer.work_plan.updated", sample={**_WORK_PLAN_SAMPLE, "summary": "完成两次拜访"},
          summary_en="updated the work plan for the week of {week_start}",
          summary_zh="更新了 {week_start} 周工作计划/总结")
class WorkPlanUpdated(WorkPlanSnapshot):
    pass


@register("customer.out_of_office.registered",
          sample={"id": "0c1d2e3f-4a5b-4c6d-9e7f-8a9b0c1d2e35", "user_id": _CUSTOMER_SAMPLE["owner_id"],
                  "customer_id": _CUSTOMER_SAMPLE["id"], "start_at": "2026-11-24T01:00:00+00:00",
                  "end_at": "2026-11-24T09:00:00+00:00", "destination": "上海嘉定", "purpose": "客户拜访"},
          summary_en="registered out-of-office to {destination}: {purpose}",
          summary_zh="登记外出 {destination}：{purpose}")
class OutOfOfficeRegistered(Schema):
    id = uuid_str(required=True)
    user_id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    start_at = time_str(required=True)
    end_at = time_str(required=True)
    destination = fields.String(required=True, allow_none=True)
    purpose = fields.String(required=True)


@register("customer.import.completed",
          sample={"id": "1d2e3f4a-5b6c-4d7e-8f8a-9b0c1d2e3f46", "status": "done", "total": 120,
                  "created": 110, "duplicates": 8, "errors": 2},
          summary_en="customer import finished: {created} created, {duplicates} duplicates, {errors} errors",
          summary_zh="客户导入完成：新建 {created}，重复 {duplicates}，错误 {errors}")
class ImportCompleted(Schema):
    id = uuid_str(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("done", "failed")))
    total = qty(required=True)
    created = qty(required=True)
    duplicates = qty(required=True)
    errors = qty(required=True)


@register("customer.import.undone",
          sample={"id": "1d2e3f4a-5b6c-4d7e-8f8a-9b0c1d2e3f46", "deleted": 110, "restored": 8, "changes": 118},
          summary_en="import undone: {changes} changes reverted",
          summary_zh="撤销了导入：撤回 {changes} 项改动")
class ImportUndone(Schema):
    id = uuid_str(required=True)
    deleted = qty(required=True)
    restored = qty(required=True)
    changes = qty(required=True)


# ---- service orders and repairs (tracking notifies the assignee on .assigned, the assignee
# and their manager on .overdue; inventory takes the spare parts on .part_requested) -------

SERVICE_ORDER_KINDS = ("service", "repair")
SERVICE_ORDER_STATUSES = ("open", "in_progress", "waiting_parts", "done", "closed")
SERVICE_ORDER_PRIORITIES = ("low", "normal", "high", "urgent")

_SERVICE_ORDER_SAMPLE = {
    "id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
    "number": "SV-2026-000001",
    "customer_id": _CUSTOMER_SAMPLE["id"],
    "kind": "repair",
    "subject": "离心泵异响",
    "description": "设备运行时有异响，需要上门检修",
    "assignee_id": "0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c",
    "complaint_id": None,
    "product_id": "5b1d3f9e-2c4a-4e6b-8d0f-1a2b3c4d5e6f",
    "serial_no": "PUMP100-2025-0042",
    "priority": "high",
    "due_at": "2026-11-25T09:00:00+00:00",
    "status": "open",
    "resolution": None,
    "time_spent_minutes": 0,
    "created_by": _CUSTOMER_SAMPLE["owner_id"],
}


class ServiceOrderSnapshot(Schema):
    id = uuid_str(required=True)
    number = fields.String(required=True)
    customer_id = uuid_str(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SERVICE_ORDER_KINDS))
    subject = fields.String(required=True)
    description = fields.String(required=True, allow_none=True)
    assignee_id = uuid_str(required=True)
    complaint_id = uuid_str(required=True, allow_none=True)
    product_id = uuid_str(required=True, allow_none=True)
    serial_no = fields.String(required=True, allow_none=True)
    priority = fields.String(required=True, validate=validate.OneOf(SERVICE_ORDER_PRIORITIES))
    due_at = time_str(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(SERVICE_ORDER_STATUSES))
    resolution = fields.String(required=True, allow_none=True)
    time_spent_minutes = qty(required=True)
    created_by = uuid_str(required=True)


@register("customer.service_order.created", sample=_SERVICE_ORDER_SAMPLE,
          summary_en="opened {kind} order {number}: {subject}", summary_zh="新建了{kind}单 {number}：{subject}")
class ServiceOrderCreated(ServiceOrderSnapshot):
    pass


@register("customer.service_order.assigned", sample=_SERVICE_ORDER_SAMPLE,
          summary_en="assigned service order {number}: {subject}", summary_zh="分派了服务单 {number}：{subject}")
class ServiceOrderAssigned(ServiceOrderSnapshot):
    """The assignee (assignee_id) is to be notified."""


@register("customer.service_order.status_changed",
          sample={**_SERVICE_ORDER_SAMPLE, "status": "in_progress", "previous_status": "open"},
          summary_en="service order {number}: {previous_status} -> {status}",
          summary_zh="服务单 {number} 状态 {previous_status} → {status}")
class ServiceOrderStatusChanged(ServiceOrderSnapshot):
    previous_status = fields.String(required=True, validate=validate.OneOf(SERVICE_ORDER_STATUSES))


@register("customer.service_order.updated",
          sample={**_SERVICE_ORDER_SAMPLE, "status": "in_progress", "resolution": "更换轴承", "time_spent_minutes": 90,
                  "changed": ["resolution", "time_spent_minutes"]},
          summary_en="updated service order {number} (time spent {time_spent_minutes} min, resolution: {resolution})",
          summary_zh="更新了服务单 {number}（工时 {time_spent_minutes} 分钟，处理结果：{resolution}）")
class ServiceOrderUpdated(ServiceOrderSnapshot):
    changed = fields.List(fields.String(), required=True)


@register("customer.service_order.part_requested",
          sample={"id": "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e", "service_order_id": _SERVICE_ORDER_SAMPLE["id"],
                  "number": _SERVICE_ORDER_SAMPLE["number"], "customer_id": _CUSTOMER_SAMPLE["id"],
                  "assignee_id": _SERVICE_ORDER_SAMPLE["assignee_id"],
                  "product_id": "5b1d3f9e-2c4a-4e6b-8d0f-1a2b3c4d5e6f", "sku": "BRG-6204", "product_name": "深沟球轴承",
                  "warehouse_id": "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b", "quantity": 2},
          summary_en="used {quantity} × {sku} {product_name} on service order {number}",
          summary_zh="服务单 {number} 领用备件 {sku} {product_name} × {quantity}")
class ServiceOrderPartRequested(Schema):
    """A spare part line taken from a warehouse: inventory deducts it (the ledger names the
    service order) and answers inventory.service_part.issued or .refused (id = the line)."""

    id = uuid_str(required=True)
    service_order_id = uuid_str(required=True)
    number = fields.String(required=True)
    customer_id = uuid_str(required=True)
    assignee_id = uuid_str(required=True)
    product_id = uuid_str(required=True)
    sku = fields.String(required=True, allow_none=True)
    product_name = fields.String(required=True, allow_none=True)
    warehouse_id = uuid_str(required=True)
    quantity = qty(required=True, minimum=1)


@register("customer.service_order.feedback_given",
          sample={**_SERVICE_ORDER_SAMPLE, "status": "done", "rating": 5, "comment": "响应及时，师傅很专业"},
          summary_en="customer rated service order {number} {rating}/5: {comment}",
          summary_zh="客户评价服务单 {number}：{rating} 分，{comment}")
class ServiceOrderFeedbackGiven(ServiceOrderSnapshot):
    rating = qty(required=True, minimum=1, maximum=5)
    comment = fields.String(required=True, allow_none=True)


@register("customer.service_order.overdue",
          sample={**_SERVICE_ORDER_SAMPLE, "status": "in_progress",
                  "manager_id": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01"},
          summary_en="service order {number} is overdue (due {due_at})",
          summary_zh="服务单 {number} 已超期（应于 {due_at} 完成）")
class ServiceOrderOverdue(ServiceOrderSnapshot):
    """Published once per due time by the customer service's overdue check; tracking
    notifies the assignee and their manager (manager_id: the assignee's, when known)."""

    manager_id = uuid_str(required=True, allow_none=True)


# ---- documents (files kept outside the database; the knowledge base has no customer) ----

DOCUMENT_RELATED_TYPES = ("opportunity", "quote", "order", "contract", "project", "service_order")

_DOCUMENT_SAMPLE = {
    "id": "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a67",
    "customer_id": _CUSTOMER_SAMPLE["id"],
    "related_type": "quote",
    "related_id": "3f4a5b6c-7d8e-4f9a-8b1c-2d3e4f5a6b78",
    "title": "技术方案书",
    "filename": "技术方案书.pdf",
    "content_type": "application/pdf",
    "size": 182044,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "tags": ["方案", "报价"],
    "uploaded_by": _CUSTOMER_SAMPLE["owner_id"],
}


class DocumentSnapshot(Schema):
    """customer_id null: a knowledge-base document (no timeline; the audit has it)."""

    id = uuid_str(required=True)
    customer_id = uuid_str(required=True, allow_none=True)
    related_type = fields.String(required=True, allow_none=True, validate=validate.OneOf(DOCUMENT_RELATED_TYPES))
    related_id = uuid_str(required=True, allow_none=True)
    title = fields.String(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = qty(required=True)
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    tags = fields.List(fields.String(), required=True)
    uploaded_by = uuid_str(required=True)


@register("customer.document.uploaded", sample=_DOCUMENT_SAMPLE,
          summary_en="uploaded document {title} ({filename})", summary_zh="上传了文档「{title}」（{filename}）")
class DocumentUploaded(DocumentSnapshot):
    pass


@register("customer.document.updated", sample={**_DOCUMENT_SAMPLE, "title": "技术方案书（修订）"},
          summary_en="renamed or retagged document {title}", summary_zh="修改了文档「{title}」的标题或标签")
class DocumentUpdated(DocumentSnapshot):
    pass


@register("customer.document.deleted", sample=_DOCUMENT_SAMPLE,
          summary_en="deleted document {title} (restorable)", summary_zh="删除了文档「{title}」（可恢复）")
class DocumentDeleted(DocumentSnapshot):
    pass


@register("customer.document.restored", sample=_DOCUMENT_SAMPLE,
          summary_en="restored document {title}", summary_zh="恢复了文档「{title}」")
class DocumentRestored(DocumentSnapshot):
    pass


# ---- competitors (issue 16): shared reference data; sales and tracking keep copies -----

_COMPETITOR_SAMPLE = {"id": "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a67", "name": "苏州恒力机电",
                      "website": "https://hengli.example.cn", "strengths": "价格低", "weaknesses": "交期长"}


class CompetitorSnapshot(Schema):
    id = uuid_str(required=True)
    name = fields.String(required=True)
    website = fields.String(required=True, allow_none=True)
    strengths = fields.String(required=True, allow_none=True)
    weaknesses = fields.String(required=True, allow_none=True)


@register("customer.competitor.created", sample=_COMPETITOR_SAMPLE,
          summary_en="recorded competitor {name}", summary_zh="登记了竞争对手 {name}")
class CompetitorCreated(CompetitorSnapshot):
    pass


@register("customer.competitor.updated", sample={**_COMPETITOR_SAMPLE, "weaknesses": "售后网点少"},
          summary_en="updated competitor {name}", summary_zh="修改了竞争对手 {name}")
class CompetitorUpdated(CompetitorSnapshot):
    pass
