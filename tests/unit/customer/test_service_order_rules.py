"""Service order rules (no I/O): the flow, parts, feedback, overdue, the stock copy check."""

from __future__ import annotations

import datetime as dt

import pytest

from services.customer.domain import service_orders as rules
from shared.events.customer import SERVICE_ORDER_STATUSES
from shared.events.labels import WORDS

LEGAL = {("open", "in_progress"), ("in_progress", "waiting_parts"), ("in_progress", "done"),
         ("waiting_parts", "in_progress"), ("waiting_parts", "done"), ("done", "closed"), ("done", "in_progress")}


@pytest.mark.parametrize("current", SERVICE_ORDER_STATUSES)
@pytest.mark.parametrize("new", SERVICE_ORDER_STATUSES)
def test_transitions(current, new):
    assert rules.transition_allowed(current, new) is ((current, new) in LEGAL)


def test_unknown_statuses_move_nowhere():
    assert not rules.transition_allowed("cancelled", "open")
    assert not rules.transition_allowed("open", "cancelled")


def test_parts_and_changes_by_status():
    assert [s for s in SERVICE_ORDER_STATUSES if rules.may_take_parts(s)] == ["open", "in_progress", "waiting_parts"]
    assert [s for s in SERVICE_ORDER_STATUSES if not rules.may_change(s)] == ["closed"]


def test_feedback_once_after_done():
    assert rules.feedback_refusal("in_progress", False)
    assert rules.feedback_refusal("done", False) is None
    assert rules.feedback_refusal("closed", False) is None
    assert rules.feedback_refusal("done", True)


def test_overdue():
    now = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    before, after = now - dt.timedelta(minutes=1), now + dt.timedelta(minutes=1)
    assert rules.is_overdue("waiting_parts", before, now)
    assert not rules.is_overdue("in_progress", after, now)
    assert not rules.is_overdue("done", before, now)
    assert not rules.is_overdue("open", None, now)


def test_part_shortage_counts_pending_lines():
    assert rules.part_shortage(5, 0, 5) is None
    assert rules.part_shortage(5, 3, 3) == 2
    assert rules.part_shortage(None, 0, 1) == 0
    assert rules.part_shortage(2, 5, 1) == 0  # never a negative availability


def test_every_status_kind_and_priority_has_words():
    for field, codes in (("status", SERVICE_ORDER_STATUSES), ("kind", ("service", "repair")),
                         ("priority", ("low", "normal", "high", "urgent"))):
        for lang in ("zh", "en"):
            assert set(WORDS[("service_order", field)][lang]) == set(codes)
