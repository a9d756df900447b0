"""Billing's own settings, from environment variables with defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _flag(name: str, default: bool = False) -> bool:
    value = (os.environ.get(name) or "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class BillingConfig:
    # sales reps and managers may record CASH payments (unconfirmed until finance confirms)
    reps_record_cash: bool = field(default_factory=lambda: _flag("BILLING_REPS_RECORD_CASH"))
    # 报销有效期: expense claims must be submitted within this many days of the expense (0: no limit)
    expense_validity_days: int = field(default_factory=lambda: _days("BILLING_EXPENSE_VALIDITY_DAYS", 90))


def _days(name: str, default: int) -> int:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > 36500:
        raise ValueError(f"{name} must be a whole number of days from 0 to 36500, not {raw!r}")
    return int(raw)
