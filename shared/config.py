"""Configuration from environment variables, with defaults that work on a developer machine."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from shared.secrets import DEV_INTERNAL_SECRET, secret_from_env

SERVICE_PORTS = {
    "customer": 8101,
    "sales": 8102,
    "inventory": 8103,
    "billing": 8104,
    "tracking": 8105,
}
SERVICES = tuple(SERVICE_PORTS)


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def pg_base_url() -> str:
    """Server URL without a database name, e.g. postgresql+psycopg://postgres@127.0.0.1:5432."""
    return _env("CRM_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432").rstrip("/")


def default_database_url(service: str) -> str:
    specific = os.environ.get(f"{service.upper()}_DATABASE_URL")
    if specific:
        return specific
    return f"{pg_base_url()}/crm_{service}"


def retry_delays_ms() -> tuple[int, ...]:
    raw = _env("CRM_RETRY_DELAYS_MS", "1000,5000,30000")
    return tuple(int(x) for x in raw.split(",") if x.strip())


@dataclass(frozen=True)
class Settings:
    """Everything a service process needs to know about its surroundings."""

    service: str
    database_url: str
    rabbitmq_url: str = field(default_factory=lambda: _env("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
    region: str = field(default_factory=lambda: _env("REGION", "cn-east"))
    exchange: str = field(default_factory=lambda: _env("CRM_EXCHANGE", "crm.events"))
    dead_letter_exchange: str = field(default_factory=lambda: _env("CRM_DLX", "crm.dlx"))
    # no public default: checked when an API process starts (shared.secrets)
    internal_secret: str = field(default_factory=lambda: secret_from_env("CRM_INTERNAL_SECRET", DEV_INTERNAL_SECRET))
    retry_delays_ms: tuple[int, ...] = field(default_factory=retry_delays_ms)
    prefetch: int = field(default_factory=lambda: int(_env("CRM_PREFETCH", "200")))
    relay_batch: int = field(default_factory=lambda: int(_env("CRM_RELAY_BATCH", "500")))
    relay_window: int = field(default_factory=lambda: int(_env("CRM_RELAY_WINDOW", "100")))
    queue_type: str = field(default_factory=lambda: _env("CRM_QUEUE_TYPE", "quorum"))

    @property
    def queue_name(self) -> str:
        return f"{self.service}.events"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def settings_for(service: str, **overrides: object) -> Settings:
    base = Settings(service=service, database_url=default_database_url(service))
    return base.with_(**overrides) if overrides else base
