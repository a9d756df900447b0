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
