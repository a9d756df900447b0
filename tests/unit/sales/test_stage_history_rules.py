"""An opportunity's stage history (domain/stage_history.py, no I/O; issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.sales.domain.stage_history import StageChange, is_change, with_durations

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_only_real_changes_make_a_line():
    assert is_change(None, "prospecting")
    assert is_change("prospecting", "proposal")
    assert not is_change("proposal", "proposal")


def test_lines_oldest_first_with_the_days_spent_in_the_stage_left():
    lines = with_durations([
        StageChange("qualification", "proposal", "rep", T0 + timedelta(days=10, hours=5)),
        StageChange(None, "prospecting", "rep", T0),
        StageChange("prospecting", "qualification", "boss", T0 + timedelta(days=3)),
        StageChange("proposal", "won", "rep", T0 + timedelta(days=10, hours=6)),
    ])
    assert [(x["from_stage"], x["to_stage"], x["changed_by"], x["days_in_from_stage"]) for x in lines] == [
        (None, "prospecting", "rep", None), ("prospecting", "qualification", "boss", 3),
        ("qualification", "proposal", "rep", 7), ("proposal", "won", "rep", 0)]
    assert with_durations([]) == []
