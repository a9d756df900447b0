"""The sales service's own settings, from environment variables with defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal

from services.sales.domain.opportunities import parse_probabilities


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class SalesConfig:
    approval_discount_pct: Decimal = field(
        default_factory=lambda: Decimal(_env("ORDER_APPROVAL_DISCOUNT_PCT", "30")))
    default_tax_rate: Decimal = field(default_factory=lambda: Decimal(_env("SALES_DEFAULT_TAX_RATE", "13")))
    stage_probabilities: dict[str, int] = field(
        default_factory=lambda: parse_probabilities(os.environ.get("SALES_STAGE_PROBABILITIES")))
    quote_validity_days: int = field(default_factory=lambda: int(_env("QUOTE_VALIDITY_DAYS", "30")))
    attachment_max_bytes: int = field(
        default_factory=lambda: int(_env("CONTRACT_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024))))
    company_name: str = field(default_factory=lambda: _env("SALES_COMPANY_NAME", "本公司"))
    smtp_host: str = field(default_factory=lambda: _env("SMTP_HOST", "127.0.0.1"))
    smtp_port: int = field(default_factory=lambda: int(_env("SMTP_PORT", "25")))
    smtp_user: str = field(default_factory=lambda: _env("SMTP_USER", ""))
    smtp_password: str = field(default_factory=lambda: _env("SMTP_PASSWORD", ""))
    smtp_starttls: bool = field(default_factory=lambda: _env("SMTP_STARTTLS", "0") in ("1", "true", "yes"))
    smtp_sender: str = field(default_factory=lambda: _env("SMTP_FROM", "sales@crm.local"))
    smtp_timeout: float = field(default_factory=lambda: float(_env("SMTP_TIMEOUT", "10")))
