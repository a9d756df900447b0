"""Who is told about which event: a plan per event, resolved to users by the handler.

A plan names its recipients by rule (a user, the managers above a user, every user of a
role) so that this module needs no database; `dedupe_key` makes a redelivered or
replayed event add no second notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Notice:
    kind: str
    dedupe_key: str
    message: str
    message_zh: str
    subject_type: str
    subject_id: str
    user_id: str | None = None  # one user
    managers_of: str | None = None  # every manager above this user (admins when none)
    role: str | None = None  # every active user of this role
    not_actor: bool = False  # never the user whose action caused it (an approver of their own order)


EXPENSE_DECISIONS = {
    "billing.expense.approved": ("expense_approved", "approved", "已批准"),
    "billing.expense.rejected": ("expense_rejected", "rejected", "已被驳回"),
    "billing.expense.paid": ("expense_paid", "paid", "已支付"),
}


def _s(data: dict[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return str(value) if value not in (None, "") else default


def plan(event_type: str, event_id: str, aggregate_id: str, data: dict[str, Any]) -> list[Notice]:
    """The notifications an event causes (none for most events)."""
    if event_type.startswith("customer.complaint.") and event_type.rsplit(".", 1)[1] in ("assigned", "created"):
        assignee = data.get("assignee_id")
        if not isinstance(assignee, str) or not assignee:
            return []
        cid = _s(data, "id", aggregate_id)
        subject = _s(data, "subject", cid[:8])
        return [Notice("complaint_assigned", f"complaint:{cid}:{assignee}",
                       f"Complaint assigned to you: {subject}", f"客户投诉已分配给您：{subject}",
                       "complaint", cid, user_id=assignee)]
    if event_type == "customer.task.reminder_due":
        assignee, tid = _s(data, "assignee_id"), _s(data, "id", aggregate_id)
        if not assignee:
            return []
        title = _s(data, "title", tid[:8])[:200]
        # one per reminder time: a moved reminder is a new one, a replayed event is not
        return [Notice("task_reminder", f"task-reminder:{tid}:{_s(data, 'remind_at')}",
                       f"Task reminder: {title}", f"任务提醒：{title}", "task", tid, user_id=assignee)]
    if event_type in ("customer.task.created", "customer.task.updated"):
        assignee, tid = _s(data, "assignee_id"), _s(data, "id", aggregate_id)
        if not assignee or data.get("status") != "open":
            return []
        title = _s(data, "title", tid[:8])[:200]
        return [Notice("task_assigned", f"task-assigned:{tid}:{assignee}", f"Task assigned to you: {title}",
                       f"有新任务分配给您：{title}", "task", tid, user_id=assignee, not_actor=True)]
    if event_type in ("customer.service_order.assigned", "customer.service_order.overdue",
                      "inventory.service_part.refused"):
        return _service_order_notices(event_type, event_id, aggregate_id, data)
    if event_type == "customer.activity.commented":
        author, commenter = _s(data, "activity_author_id"), _s(data, "author_id")
        if not author or author == commenter:
            return []
        text = _s(data, "text")[:200]
        return [Notice("activity_commented", f"activity-comment:{event_id}",
                       f"Your activity log got a comment: {text}", f"您的拜访记录收到点评：{text}",
                       "activity", _s(data, "activity_id", aggregate_id), user_id=author)]
    if event_type == "customer.share.requested":
        owner, requester = _s(data, "owner_id"), _s(data, "requester_id")
        if not owner or not requester or owner == requester:
            return []
        cid = _s(data, "customer_id", aggregate_id)
        who, name = _s(data, "requester_name", "-"), _s(data, "customer_name", cid[:8])
        return [Notice("share_requested", f"share-request:{cid}:{requester}",
                       f"{who} asks you to share customer {name} with them",
                       f"{who} 请求您共享客户 {name}", "customer", cid, user_id=owner)]
    if event_type == "sales.order.approval_requested":
        owner = _s(data, "owner_id")
        number = _s(data, "number", aggregate_id[:8])
        if not owner:
            return []
        return [Notice("order_approval_requested", f"order-approval:{event_id}",
                       f"Order {number} awaits your approval (discount above threshold)",
                       f"订单 {number} 折扣超出权限，等待您审批", "order", _s(data, "id", aggregate_id),
                       managers_of=owner, not_actor=True)]
    if event_type == "sales.order.rejected":
        owner = _s(data, "owner_id")
        number = _s(data, "number", aggregate_id[:8])
        reason = _s(data, "reason", "-")
        if not owner:
            return []
        return [Notice("order_rejected", f"order-rejected:{event_id}",
                       f"Order {number} was rejected: {reason}", f"订单 {number} 被拒绝：{reason}",
                       "order", _s(data, "id", aggregate_id), user_id=owner)]
    if event_type == "sales.order.approved":
        owner = _s(data, "owner_id")
        number = _s(data, "number", aggregate_id[:8])
        if not owner:
            return []
        return [Notice("order_approved", f"order-approved:{event_id}",
                       f"Order {number} was approved", f"订单 {number} 已审批通过",
                       "order", _s(data, "id", aggregate_id), user_id=owner, not_actor=True)]
    if event_type in PROJECT_EVENTS:
        return _project_notices(event_type, event_id, aggregate_id, data)
    if event_type in QUOTE_APPROVAL_EVENTS:
        return _quote_approval_notices(event_type, event_id, aggregate_id, data)
    if event_type in EXPENSE_DECISIONS:
        submitter = _s(data, "submitter_id")
        if not submitter:
            return []
        kind, en, zh = EXPENSE_DECISIONS[event_type]
        amount = _s(data, "amount", "?")
        return [Notice(kind, f"expense:{event_id}", f"Your expense ¥{amount} was {en}",
                       f"您的费用报销 ¥{amount} {zh}", "expense", _s(data, "id", aggregate_id),
                       user_id=submitter, not_actor=kind == "expense_paid")]
    if event_type == "customer.handover.completed":
        return _handover_notices(event_id, aggregate_id, data)
    if event_type == "customer.customer.transferred":
        if data.get("handover_id"):
            return []  # part of a rep's hand-over: one notice for all (customer.handover.completed)
        owner = _s(data, "owner_id")
        cid = _s(data, "id", aggregate_id)
        name = _s(data, "name", cid[:8])
        if not owner:
            return []
        return [Notice("customer_transferred", f"customer-transferred:{event_id}",
                       f"Customer {name} was transferred to you", f"客户 {name} 已转给您",
                       "customer", cid, user_id=owner, not_actor=True)]
    if event_type == "customer.lead.assigned":
        owner, lid = _s(data, "owner_id"), _s(data, "id", aggregate_id)
        if not owner or owner == _s(data, "previous_owner_id") or data.get("handover_id"):
            return []
        name = _s(data, "name", lid[:8])
        company = _s(data, "company")
        who = f"{name} ({company})" if company else name
        return [Notice("lead_assigned", f"lead-assigned:{event_id}", f"Lead {who} was assigned to you",
                       f"线索 {who} 已分配给您", "lead", lid, user_id=owner, not_actor=True)]
    if event_type == "customer.customer.shared":
        # the event carries everyone it is shared with now: one notice per (customer, user),
        # so the users it was shared with before are not told again
        cid = _s(data, "id", aggregate_id)
        name = _s(data, "name", cid[:8])
        users = [u for u in data.get("shared_with") or [] if isinstance(u, str) and u]
        return [Notice("customer_shared", f"customer-shared:{cid}:{u}",
                       f"Customer {name} was shared with you", f"客户 {name} 已共享给您",
                       "customer", cid, user_id=u, not_actor=True) for u in users]
    if event_type == "inventory.stock.low":
        sku, name = _s(data, "sku"), _s(data, "name")
        return [Notice("stock_low", f"stock-low:{event_id}",
                       f"Low stock: {sku} {name} ({data.get('available')} < {data.get('safety_stock')})",
                       f"库存预警：{sku} {name}（可用 {data.get('available')}，安全库存 {data.get('safety_stock')}）",
                       "product", _s(data, "product_id", aggregate_id), role="warehouse")]
    return []


def _handover_notices(event_id: str, aggregate_id: str, data: dict[str, Any]) -> list[Notice]:
    """The colleague taking over a rep's work hears of it once, with the counts."""
    target = _s(data, "to_user_id")
    if not target:
        return []
    who = _s(data, "from_name", _s(data, "from_user_id")[:8])
    counts = {k: data.get(k) or 0 for k in ("customers", "leads", "tasks")}
    return [Notice("handover_received", f"handover:{_s(data, 'id', aggregate_id)}",
                   f"{who}'s work was handed over to you: {counts['customers']} customers, {counts['leads']} leads, "
                   f"{counts['tasks']} tasks",
                   f"{who} 的工作已移交给您：{counts['customers']} 个客户、{counts['leads']} 条线索、{counts['tasks']} 个任务",
                   "handover", _s(data, "id", aggregate_id), user_id=target, not_actor=True)]


PROJECT_EVENTS = ("sales.project.submitted", "sales.project.approved", "sales.project.rejected")


def _project_notices(event_type: str, event_id: str, aggregate_id: str, data: dict[str, Any]) -> list[Notice]:
    """An application (立项) tells the managers above the owner (admins when none), as a held
    order does; a decision tells the owner, with the approver's comment."""
    owner, pid = _s(data, "owner_id"), _s(data, "id", aggregate_id)
    if not owner:
        return []
    label = f"{_s(data, 'number', pid[:8])} {_s(data, 'name')[:200]}".strip()
    if event_type == "sales.project.submitted":
        return [Notice("project_approval_requested", f"project-approval:{event_id}",
                       f"Project {label} awaits your approval", f"项目 {label} 申请立项，等待您审批",
                       "project", pid, managers_of=owner, not_actor=True)]
    comment = _s(data, "comment")
    approved = event_type == "sales.project.approved"
    en = f"Project {label} was {'approved' if approved else 'rejected'}" + (f": {comment[:300]}" if comment else "")
    zh = f"项目 {label} {'立项已批准' if approved else '立项申请被驳回'}" + (f"：{comment[:300]}" if comment else "")
    return [Notice("project_approved" if approved else "project_rejected", f"project-decision:{event_id}",
                   en, zh, "project", pid, user_id=owner, not_actor=True)]


QUOTE_APPROVAL_EVENTS = ("sales.quote.approval_requested", "sales.quote.approved", "sales.quote.approval_rejected")


def _quote_approval_notices(event_type: str, event_id: str, aggregate_id: str, data: dict[str, Any]) -> list[Notice]:
    """A quote discounted past the threshold: the request tells the managers above the owner
    (admins when none); the decision tells the owner, with the approver's comment."""
    owner, qid = _s(data, "owner_id"), _s(data, "id", aggregate_id)
    if not owner:
        return []
    number, gross = _s(data, "number", qid[:8]), _s(data, "gross")
    if event_type == "sales.quote.approval_requested":
        note = _s(data, "note")
        return [Notice("quote_approval_requested", f"quote-approval:{event_id}",
                       f"Quote {number} (¥{gross}) awaits your discount approval" + (f": {note[:300]}" if note else ""),
                       f"报价单 {number}（¥{gross}）折扣超出权限，等待您审批" + (f"：{note[:300]}" if note else ""),
                       "quote", qid, managers_of=owner, not_actor=True)]
    comment = _s(data, "comment")
    approved = event_type == "sales.quote.approved"
    en = f"Quote {number} was {'approved' if approved else 'turned down'}" + (f": {comment[:300]}" if comment else "")
    zh = f"报价单 {number} {'已批准，可以发给客户' if approved else '被驳回'}" + (f"：{comment[:300]}" if comment else "")
    return [Notice("quote_approved" if approved else "quote_rejected", f"quote-decision:{event_id}",
                   en, zh, "quote", qid, user_id=owner, not_actor=True)]


def _service_order_notices(event_type: str, event_id: str, aggregate_id: str, data: dict[str, Any]) -> list[Notice]:
    """Assigned: the assignee. Overdue: the assignee and their manager, once per due time.
    A spare part refused by inventory: the assignee."""
    assignee = _s(data, "assignee_id")
    if event_type == "inventory.service_part.refused":
        oid, number = _s(data, "service_order_id"), _s(data, "number", "?")
        part = f"{_s(data, 'sku')} {_s(data, 'product_name')}".strip() or "-"
        if not assignee or not oid:
            return []
        return [Notice("service_part_refused", f"service-part-refused:{_s(data, 'id', aggregate_id)}",
                       f"Service order {number}: spare part {part} × {data.get('quantity')} was refused, "
                       f"only {data.get('available')} in stock",
                       f"服务单 {number}：备件 {part} × {data.get('quantity')} 出库被拒，库存仅 {data.get('available')}",
                       "service_order", oid, user_id=assignee)]
    oid = _s(data, "id", aggregate_id)
    number, subject = _s(data, "number", oid[:8]), _s(data, "subject")
    if not assignee:
        return []
    if event_type == "customer.service_order.assigned":
        return [Notice("service_order_assigned", f"service-order:{oid}:{assignee}",
                       f"Service order {number} assigned to you: {subject}", f"服务单 {number} 已分派给您：{subject}",
                       "service_order", oid, user_id=assignee)]
    due = _s(data, "due_at", "-")
    users = [assignee] + [m for m in [_s(data, "manager_id")] if m and m != assignee]
    return [Notice("service_order_overdue", f"service-order-overdue:{oid}:{due}:{user}",
                   f"Service order {number} is overdue: {subject}", f"服务单 {number} 已超期：{subject}",
                   "service_order", oid, user_id=user) for user in users]


PATTERNS = ("customer.complaint.#", "customer.service_order.assigned", "customer.service_order.overdue",
            "customer.task.reminder_due", "customer.task.created", "customer.task.updated",
            "inventory.service_part.refused", "customer.activity.commented", "customer.share.requested",
            "sales.order.approval_requested", "sales.order.rejected", "sales.order.approved",
            "sales.project.submitted", "sales.project.approved", "sales.project.rejected",
            "sales.quote.approval_requested", "sales.quote.approved", "sales.quote.approval_rejected",
            "billing.expense.approved", "billing.expense.rejected", "billing.expense.paid",
            "customer.customer.transferred", "customer.customer.shared", "inventory.stock.low",
            "customer.lead.assigned", "customer.handover.completed")
