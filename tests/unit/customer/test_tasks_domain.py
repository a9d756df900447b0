"""Task rules without I/O: the status flow (every move), recurrence, overdue; the events'
codes agree with the domain's."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from services.customer.domain.tasks import (
    RELATED_TYPES,
    TASK_STATUSES,
    add_months,
    is_overdue,
    next_occurrence,
    next_times,
    task_transition_allowed,
)
from shared.events import customer as customer_events

UTC = dt.UTC
LEGAL = {("open", "done"), ("open", "cancelled"), ("done", "open"), ("cancelled", "open")}


@pytest.mark.parametrize(("current", "new"), list(itertools.product(TASK_STATUSES, repeat=2)))
def test_every_move(current: str, new: str) -> None:
    assert task_transition_allowed(current, new) is ((current, new) in LEGAL)


def test_unknown_statuses_never_move() -> None:
    assert not task_transition_allowed("archived", "open")
    assert not task_transition_allowed("open", "archived")


def test_weekly_and_monthly_occurrences() -> None:
    t = dt.datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
    assert next_occurrence(t, "weekly") == dt.datetime(2026, 2, 7, 9, 30, tzinfo=UTC)
    assert next_occurrence(t, "monthly") == dt.datetime(2026, 2, 28, 9, 30, tzinfo=UTC)
    assert add_months(dt.datetime(2028, 1, 31, tzinfo=UTC), 1).day == 29  # leap year
    assert add_months(dt.datetime(2026, 12, 15, tzinfo=UTC), 1) == dt.datetime(2027, 1, 15, tzinfo=UTC)
    assert add_months(dt.datetime(2026, 3, 31, tzinfo=UTC), 13) == dt.datetime(2027, 4, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        next_occurrence(t, "daily")


def test_the_reminder_keeps_its_distance() -> None:
    due = dt.datetime(2026, 1, 31, 10, tzinfo=UTC)
    nxt_due, nxt_remind = next_times(due, due - dt.timedelta(hours=2), "monthly")
    assert nxt_due == dt.datetime(2026, 2, 28, 10, tzinfo=UTC)
    assert nxt_remind == dt.datetime(2026, 2, 28, 8, tzinfo=UTC)
    assert next_times(due, None, "weekly")[1] is None


def test_overdue_only_while_open() -> None:
    now = dt.datetime(2026, 6, 1, tzinfo=UTC)
    past = now - dt.timedelta(minutes=1)
    assert is_overdue("open", past, now)
    assert not is_overdue("open", now + dt.timedelta(minutes=1), now)
    assert not is_overdue("done", past, now) and not is_overdue("cancelled", past, now)


def test_event_codes_match_the_domain() -> None:
    assert customer_events.TASK_STATUSES == TASK_STATUSES
    assert customer_events.TASK_RELATED_TYPES == RELATED_TYPES
    assert "task" in customer_events.ASSIGNABLE_RECORD_TYPES
