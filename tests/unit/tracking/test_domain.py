"""Tracking's pure rules: periods, the cursor, summaries, notification plans."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.tracking.domain import cursor
from services.tracking.domain import periods as P
from services.tracking.domain.notices import plan
from services.tracking.handlers import handler_table
from services.tracking.summaries import summarize, with_actor
from shared import events as registry
from shared.envelope import Envelope


def test_parse_instant_dates_times_and_offsets():
    assert P.parse_instant("2026-11-30") == datetime(2026, 11, 30, tzinfo=UTC)
    assert P.parse_instant("2026-11-30", end_of_day=True) == datetime(2026, 12, 1, tzinfo=UTC)
    assert P.parse_instant("2026-11-30T08:00:00+08:00") == datetime(2026, 11, 30, 0, tzinfo=UTC)
    assert P.parse_instant("2026-11-30T08:00:00 08:00") == datetime(2026, 11, 30, 0, tzinfo=UTC)  # "+" as space
    assert P.parse_instant("2026-11-30T08:00:00Z") == datetime(2026, 11, 30, 8, tzinfo=UTC)
    for bad in ("", "yesterday", "2026-13-01", "2026-11-31"):
        with pytest.raises(P.BadDate):
            P.parse_instant(bad)


def test_periods_cover_the_range():
    start, end = datetime(2026, 2, 15, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    assert [p.label for p in P.periods("quarter", start, end)] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    months = P.periods("month", start, end)
    assert months[0].label == "2026-02" and months[-1].label == "2026-11" and len(months) == 10
    assert months[-1].end == datetime(2026, 12, 1, tzinfo=UTC)
    assert [p.label for p in P.periods("year", start, end)] == ["2026"]
    with pytest.raises(ValueError):
        P.periods("month", datetime(1900, 1, 1, tzinfo=UTC), end)


def test_default_range_ends_with_the_current_period():
    now = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    start, end = P.default_range("month", now)
    assert (start, end) == (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    start, end = P.default_range("quarter", now)
    assert len(P.periods("quarter", start, end)) == 8 and end == datetime(2027, 1, 1, tzinfo=UTC)


def test_event_time_falls_back_to_the_envelope():
    fallback = "2026-11-22T08:00:00+00:00"
    assert P.parse_event_time(None, fallback) == datetime(2026, 11, 22, 8, tzinfo=UTC)
    assert P.parse_event_time("garbage", fallback) == datetime(2026, 11, 22, 8, tzinfo=UTC)
    assert P.parse_event_time("2026-01-02T00:00:00+00:00", fallback) == datetime(2026, 1, 2, tzinfo=UTC)


def test_cursor_round_trip_and_rejects_garbage():
    moment = datetime(2026, 11, 22, 8, 0, 0, 123456, tzinfo=UTC)
    assert cursor.decode(cursor.encode(moment, 42)) == (moment, 42)
    for bad in ("garbage!", "", "Zm9v", cursor.encode(moment, 1)[:-3]):
        with pytest.raises(cursor.BadCursor):
            cursor.decode(bad)


def _env(event_type: str, **data) -> Envelope:
    sample = {**registry.spec(event_type).sample, **data} if not event_type.startswith("x.") else data
    return Envelope(event_type=event_type, aggregate_type="t", aggregate_id="a", data=sample, producer="p",
                    region="r")


def test_summaries_from_the_registry_in_both_languages():
    en, zh = summarize(_env("sales.quote.created", number="QT-2026-0012", gross="305.10"))
    assert (en, zh) == ("created quote QT-2026-0012, amount ¥305.10", "创建了报价单 QT-2026-0012，金额 ¥305.10")
    assert with_actor("张三", en, zh) == ("张三 created quote QT-2026-0012, amount ¥305.10",
                                         "张三 创建了报价单 QT-2026-0012，金额 ¥305.10")
    assert with_actor(None, en, zh)[0].startswith("Created quote")
    assert summarize(_env("x.unknown.happened", a=1)) == ("x.unknown.happened", "x.unknown.happened")
    # a payload that lacks a template's field still gives a line
    en, _ = summarize(Envelope(event_type="sales.order.created", aggregate_type="order", aggregate_id="a",
                               data={}, producer="sales", region=""))
    assert en == "created order ?, amount ¥?"


def test_every_registered_event_has_a_summary():
    for spec in registry.all_specs():
        en, zh = summarize(_env(spec.event_type))
        assert en and zh and "{" not in en and "{" not in zh, spec.event_type


def test_notification_plans():
    def one(event_type, **data):
        return plan(event_type, "e1", "agg", {**registry.spec(event_type).sample, **data})

    [n] = one("customer.complaint.assigned", assignee_id="u1", id="c1")
    assert (n.user_id, n.kind, n.dedupe_key) == ("u1", "complaint_assigned", "complaint:c1:u1")
    assert one("customer.complaint.created", assignee_id="u1", id="c1")[0].dedupe_key == n.dedupe_key
    assert one("customer.complaint.status_changed") == []
    [n] = one("sales.order.approval_requested", owner_id="rep")
    assert n.managers_of == "rep" and n.user_id is None
    [n] = one("sales.order.rejected", owner_id="rep", reason="库存不足", number="SO-7")
    assert n.user_id == "rep" and "库存不足" in n.message_zh and "SO-7" in n.message
    [n] = one("billing.expense.rejected", submitter_id="s")
    assert (n.user_id, n.kind) == ("s", "expense_rejected")
    [n] = one("inventory.stock.low")
    assert n.role == "warehouse"
    [n] = one("customer.share.requested", owner_id="own", requester_id="rep", requester_name="王芳",
              customer_name="华东机电", customer_id="c9")
    assert (n.user_id, n.subject_type, n.subject_id) == ("own", "customer", "c9")
    assert "王芳" in n.message_zh and "华东机电" in n.message and n.dedupe_key == "share-request:c9:rep"
    assert one("customer.share.requested", owner_id="same", requester_id="same") == []
    assert one("customer.activity.commented", activity_author_id="rep", author_id="mgr")[0].user_id == "rep"
    assert one("customer.activity.commented", activity_author_id="rep", author_id="rep") == []
    assert plan("sales.order.created", "e", "a", {}) == []
    assert plan("customer.complaint.assigned", "e", "a", {"assignee_id": None}) == []


def test_handler_table_routes_each_event_type():
    table = handler_table()

    def names(t):
        return {n for n, _ in table.for_event(t)} | {n for n, _ in table.batch_for_event(t)}

    assert names("x.unknown.thing") == {"tracking.record_event"}
    assert names("sales.order.rejected") == {"tracking.record_event", "tracking.rm.order", "tracking.notify"}
    assert names("customer.customer.lost") == {"tracking.record_event", "acl.customers", "tracking.rm.customer"}
    assert names("gateway.user.created") == {"tracking.record_event", "acl.users"}
    assert names("inventory.stock.low") == {"tracking.record_event", "tracking.notify"}
    assert "#" in table.patterns


def test_service_order_notices():
    from services.tracking.domain.notices import plan

    so = {"id": "s1", "number": "SV-2026-000001", "subject": "离心泵异响", "assignee_id": "u1", "manager_id": "m1",
          "due_at": "2026-11-25T09:00:00+00:00"}
    [assigned] = plan("customer.service_order.assigned", "e1", "s1", so)
    assert (assigned.user_id, assigned.subject_type, assigned.subject_id) == ("u1", "service_order", "s1")
    assert "SV-2026-000001" in assigned.message_zh
    overdue = plan("customer.service_order.overdue", "e2", "s1", so)
    assert [n.user_id for n in overdue] == ["u1", "m1"]
    assert len({n.dedupe_key for n in overdue}) == 2
    # the same due time again (a redelivery, a second checker): the same keys
    assert [n.dedupe_key for n in plan("customer.service_order.overdue", "e3", "s1", so)] == [n.dedupe_key for n in overdue]
    # a new due time: new keys
    later = plan("customer.service_order.overdue", "e4", "s1", {**so, "due_at": "2026-11-28T09:00:00+00:00"})
    assert {n.dedupe_key for n in later}.isdisjoint({n.dedupe_key for n in overdue})
    # no manager: the assignee alone
    assert [n.user_id for n in plan("customer.service_order.overdue", "e5", "s1", {**so, "manager_id": None})] == ["u1"]
    [refused] = plan("inventory.service_part.refused", "e6", "p1",
                     {"id": "p1", "service_order_id": "s1", "number": "SV-2026-000001", "assignee_id": "u1",
                      "sku": "BRG-6204", "product_name": "轴承", "quantity": 3, "available": 1})
    assert refused.user_id == "u1" and refused.subject_id == "s1" and "BRG-6204" in refused.message
    assert plan("customer.service_order.status_changed", "e7", "s1", so) == []
