"""An opportunity's stage history (issue 16), free of I/O: each stage change with who and
when, and how long the opportunity stayed in the stage it left."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StageChange:
    from_stage: str | None  # None: the opportunity was created in to_stage
    to_stage: str
    changed_by: str | None  # None: recorded before the history existed
    changed_at: datetime


def is_change(old: str | None, new: str) -> bool:
    """A stage change worth a history line: a new opportunity, or a different stage."""
    return old is None or old != new


def with_durations(changes: Iterable[StageChange]) -> list[dict]:
    """The changes oldest first, each with `days_in_from_stage`: whole days the opportunity
    stayed in the stage it left (None for its first line)."""
    ordered = sorted(changes, key=lambda c: c.changed_at)
    out = []
    previous: StageChange | None = None
    for change in ordered:
        days = None
        if previous is not None and change.from_stage is not None:
            days = max(0, (change.changed_at - previous.changed_at).days)
        out.append({"from_stage": change.from_stage, "to_stage": change.to_stage, "changed_by": change.changed_by,
                    "changed_at": change.changed_at, "days_in_from_stage": days})
        previous = change
    return out
