"""The webhook settings, from the environment (defaults are the production ones)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from services.tracking.domain.webhooks import RetryPolicy


def _float(name: str, default: float, low: float) -> float:
    raw = os.environ.get(name, "")
    return max(low, float(raw)) if raw.strip() else default


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class WebhookSettings:
    # CRM_WEBHOOK_ALLOW_LOOPBACK=1 (tests, development only): http:// to a loopback host and
    # loopback addresses are accepted; otherwise https only, and no private address at all
    allow_loopback: bool = False
    retry: RetryPolicy = RetryPolicy()
    timeout: float = 10.0          # CRM_WEBHOOK_TIMEOUT_S: connect and read, per attempt
    senders: int = 8               # CRM_WEBHOOK_SENDERS: attempts in flight per worker process
    per_webhook: int = 2           # CRM_WEBHOOK_PER_WEBHOOK: of those, at most this many to one webhook
    poll: float = 1.0              # CRM_WEBHOOK_POLL_S: idle wait between two looks at the queue

    @classmethod
    def from_env(cls) -> WebhookSettings:
        return cls(
            allow_loopback=_flag("CRM_WEBHOOK_ALLOW_LOOPBACK"),
            retry=RetryPolicy(base=_float("CRM_WEBHOOK_RETRY_BASE_S", 10.0, 0.05),
                              cap=_float("CRM_WEBHOOK_RETRY_MAX_S", 3600.0, 0.05),
                              window=_float("CRM_WEBHOOK_RETRY_WINDOW_S", 86400.0, 0.1)),
            timeout=_float("CRM_WEBHOOK_TIMEOUT_S", 10.0, 0.1),
            senders=int(_float("CRM_WEBHOOK_SENDERS", 8, 1)),
            per_webhook=int(_float("CRM_WEBHOOK_PER_WEBHOOK", 2, 1)),
            poll=_float("CRM_WEBHOOK_POLL_S", 1.0, 0.05),
        )
