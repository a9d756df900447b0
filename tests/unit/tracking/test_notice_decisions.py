"""Who is told of decisions about their own records (domain/notices.py, no I/O)."""

from __future__ import annotations

from services.tracking.domain.notices import PATTERNS, plan
from services.tracking.handlers import handler_table


def test_an_approved_order_tells_its_owner_not_the_approver():
    [n] = plan("sales.order.approved", "ev1", "o1", {"id": "o1", "owner_id": "rep", "number": "SO-1"})
    assert (n.kind, n.user_id, n.not_actor, n.subject_type, n.subject_id) == ("order_approved", "rep", True, "order", "o1")
    assert "SO-1" in n.message and "SO-1" in n.message_zh
    assert plan("sales.order.approved", "ev1", "o1", {"id": "o1"}) == []


def test_expense_decisions_and_payment_tell_the_submitter():
    kinds = {}
    for event in ("approved", "rejected", "paid"):
        [n] = plan(f"billing.expense.{event}", f"e-{event}", "x1", {"id": "x1", "submitter_id": "rep", "amount": "8.50"})
        kinds[event] = n
        assert (n.user_id, n.subject_type, n.subject_id) == ("rep", "expense", "x1")
        assert "8.50" in n.message
    assert [kinds[e].kind for e in ("approved", "rejected", "paid")] == ["expense_approved", "expense_rejected",
                                                                       "expense_paid"]
    assert "已支付" in kinds["paid"].message_zh and kinds["paid"].not_actor


def test_a_transfer_tells_the_new_owner_and_a_share_each_user_once_per_customer():
    [n] = plan("customer.customer.transferred", "ev2", "c1", {"id": "c1", "owner_id": "new", "name": "华东机电"})
    assert (n.kind, n.user_id, n.subject_type, n.subject_id, n.not_actor) == (
        "customer_transferred", "new", "customer", "c1", True)
    assert "华东机电" in n.message_zh
    shares = plan("customer.customer.shared", "ev3", "c1", {"id": "c1", "name": "华东机电", "shared_with": ["a", "b"]})
    assert [(s.user_id, s.dedupe_key) for s in shares] == [("a", "customer-shared:c1:a"), ("b", "customer-shared:c1:b")]
    again = plan("customer.customer.shared", "ev4", "c1", {"id": "c1", "shared_with": ["a"]})
    assert again[0].dedupe_key == shares[0].dedupe_key  # the same user is not told twice
    assert plan("customer.customer.shared", "ev5", "c1", {"id": "c1", "shared_with": [None, ""]}) == []


def test_the_new_rules_are_subscribed():
    table = handler_table()
    for event_type in ("sales.order.approved", "billing.expense.paid", "customer.customer.transferred",
                       "customer.customer.shared"):
        assert any(p == event_type for p in PATTERNS), event_type
        assert "tracking.notify" in {name for name, _ in table.for_event(event_type)}, event_type


def test_a_task_reminder_tells_the_assignee_once_per_reminder_time():
    data = {"id": "t1", "title": "回访华东机电", "due_at": "2026-11-25T02:00:00+00:00",
            "remind_at": "2026-11-25T01:00:00+00:00", "assignee_id": "rep", "task_customer_id": "c1"}
    [n] = plan("customer.task.reminder_due", "ev1", "t1", data)
    assert (n.kind, n.user_id, n.subject_type, n.subject_id) == ("task_reminder", "rep", "task", "t1")
    assert "回访华东机电" in n.message_zh and "回访华东机电" in n.message
    # the same reminder replayed (another event id): the same key; a moved reminder: a new one
    assert plan("customer.task.reminder_due", "ev2", "t1", data)[0].dedupe_key == n.dedupe_key
    moved = plan("customer.task.reminder_due", "ev3", "t1", {**data, "remind_at": "2026-11-26T01:00:00+00:00"})
    assert moved[0].dedupe_key != n.dedupe_key
    assert plan("customer.task.reminder_due", "ev4", "t1", {**data, "assignee_id": None}) == []
    assert any(p == "customer.task.reminder_due" for p in PATTERNS)


def test_a_task_assigned_by_someone_else_tells_the_assignee():
    data = {"id": "t1", "title": "核对回款", "assignee_id": "fin", "status": "open"}
    [n] = plan("customer.task.created", "ev1", "t1", data)
    assert (n.kind, n.user_id, n.not_actor, n.subject_type) == ("task_assigned", "fin", True, "task")
    # a reassignment to the same user is not told twice; a closed task is not told at all
    assert plan("customer.task.updated", "ev2", "t1", data)[0].dedupe_key == n.dedupe_key
    assert plan("customer.task.updated", "ev3", "t1", {**data, "status": "done"}) == []


def test_an_assigned_lead_tells_its_new_owner_not_the_assigner():
    data = {"id": "l1", "name": "李四", "company": "苏州精工", "owner_id": "new", "previous_owner_id": "old",
            "status": "new"}
    [n] = plan("customer.lead.assigned", "ev9", "l1", data)
    assert (n.kind, n.user_id, n.not_actor, n.subject_type, n.subject_id) == ("lead_assigned", "new", True, "lead", "l1")
    assert "李四" in n.message_zh and "苏州精工" in n.message
    assert plan("customer.lead.assigned", "ev9", "l1", {**data, "owner_id": "old"}) == []
    assert plan("customer.lead.assigned", "ev9", "l1", {**data, "owner_id": None}) == []
    assert "customer.lead.assigned" in PATTERNS


def test_a_handover_tells_the_colleague_once_not_per_customer_or_lead():
    data = {"id": "h1", "from_user_id": "rep", "to_user_id": "mate", "from_name": "张三", "to_name": "李四",
            "customers": 10000, "leads": 3, "tasks": 2}
    [n] = plan("customer.handover.completed", "ev10", "h1", data)
    assert (n.kind, n.user_id, n.dedupe_key, n.not_actor) == ("handover_received", "mate", "handover:h1", True)
    assert "10000" in n.message_zh and "张三" in n.message
    assert plan("customer.customer.transferred", "ev11", "c1",
                {"id": "c1", "owner_id": "mate", "name": "x", "handover_id": "h1"}) == []
    assert plan("customer.lead.assigned", "ev12", "l1",
                {"id": "l1", "owner_id": "mate", "previous_owner_id": "rep", "handover_id": "h1"}) == []
    assert "customer.handover.completed" in PATTERNS
