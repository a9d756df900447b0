"""The gateway's configuration from environment variables, with development defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from shared.config import SERVICE_PORTS
from shared.secrets import DEV_JWT_SECRET, check_secret, secret_from_env

# First path segment under /api/v1 -> owning service (API.md).
ROUTES: dict[str, str] = {
    **dict.fromkeys(
        ("customers", "contacts", "imports", "exports", "leads", "activities", "complaints",
         "custom-fields", "work-plans", "out-of-office"), "customer"),
    **dict.fromkeys(("opportunities", "quotes", "orders", "contracts"), "sales"),
    **dict.fromkeys(
        ("products", "warehouses", "stock", "shipments", "alerts", "suppliers", "purchase-orders",
         "requisitions", "loans"), "inventory"),
    **dict.fromkeys(
        ("invoices", "payments", "exchange-rates", "receivables", "expenses", "opening-balances",
         "prepayments"), "billing"),
    **dict.fromkeys(("timeline", "audit", "reports", "notifications"), "tracking"),
}

# The development key (public): used only when CRM_DEV_MODE=1 and CRM_JWT_KEYS is unset.
DEV_JWT_KEYS = f"dev1:{DEV_JWT_SECRET}"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _upstreams() -> dict[str, str]:
    return {
        name: _env(f"{name.upper()}_URL", f"http://127.0.0.1:{port}").rstrip("/")
        for name, port in SERVICE_PORTS.items()
    }


def parse_keys(raw: str) -> dict[str, str]:
    """'kid1:secret1,kid2:secret2' -> {kid: secret}; a secret may contain ':'. Every secret
    passes shared.secrets.check_secret (no public development key outside CRM_DEV_MODE)."""
    keys: dict[str, str] = {}
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, secret = part.partition(":")
        if not sep or not kid:
            raise ValueError(f"bad JWT key entry {kid!r}: need kid:secret")
        keys[kid] = check_secret(f"CRM_JWT_KEYS (kid {kid})", secret)
    if not keys:
        check_secret("CRM_JWT_KEYS", "")
    return keys


@dataclass(frozen=True)
class GatewayConfig:
    upstreams: dict[str, str] = field(default_factory=_upstreams)
    jwt_keys: dict[str, str] = field(default_factory=lambda: parse_keys(secret_from_env("CRM_JWT_KEYS", DEV_JWT_KEYS)))
    jwt_active_kid: str = field(default_factory=lambda: _env("CRM_JWT_ACTIVE_KID", ""))
    jwt_issuer: str = field(default_factory=lambda: _env("CRM_JWT_ISSUER", "crm-gateway"))
    jwt_audience: str = field(default_factory=lambda: _env("CRM_JWT_AUDIENCE", "crm-api"))
    jwt_ttl: int = field(default_factory=lambda: int(_env("CRM_JWT_TTL", "3600")))
    admin_username: str = field(default_factory=lambda: _env("CRM_ADMIN_USERNAME", "admin"))
    # None: the first admin gets a generated password, printed once, to be changed at first login
    admin_password: str | None = field(default_factory=lambda: os.environ.get("CRM_ADMIN_PASSWORD") or None)
    connect_timeout: float = field(default_factory=lambda: float(_env("GATEWAY_CONNECT_TIMEOUT", "2")))
    read_timeout: float = field(default_factory=lambda: float(_env("GATEWAY_READ_TIMEOUT", "30")))
    ready_timeout: float = field(default_factory=lambda: float(_env("GATEWAY_READY_TIMEOUT", "2")))
    pool_size: int = field(default_factory=lambda: int(_env("GATEWAY_POOL_SIZE", "32")))  # per service
    db_pool_size: int = field(default_factory=lambda: int(_env("GATEWAY_DB_POOL_SIZE", "8")))
    # Failed logins: per username and per client address, within a sliding window.
    login_window_s: int = field(default_factory=lambda: int(_env("CRM_LOGIN_WINDOW_S", "300")))
    login_max_per_user: int = field(default_factory=lambda: int(_env("CRM_LOGIN_MAX_FAILURES", "5")))
    login_max_per_address: int = field(default_factory=lambda: int(_env("CRM_LOGIN_MAX_FAILURES_ADDR", "50")))
    # General per-user limit: requests per window (0 disables it). The default (100,000 a
    # minute, ~1,600/s) only stops a runaway client: normal use and the benchmarks stay far below.
    user_rate_limit: int = field(default_factory=lambda: int(_env("CRM_USER_RATE_LIMIT", "100000")))
    user_rate_window_s: int = field(default_factory=lambda: int(_env("CRM_USER_RATE_WINDOW_S", "60")))
    # Seconds a worker may reuse a caller's user row (invalidated at once by NOTIFY; 0: off).
    user_cache_s: float = field(default_factory=lambda: float(_env("CRM_GATEWAY_USER_CACHE_S", "30")))
    # Reverse proxies in front of the gateway whose X-Forwarded-For is trusted (0: none).
    trusted_proxies: int = field(default_factory=lambda: int(_env("GATEWAY_TRUSTED_PROXIES", "0")))
    idempotency_ttl_s: int = field(default_factory=lambda: int(_env("CRM_IDEMPOTENCY_TTL_S", "86400")))

    @property
    def active_kid(self) -> str:
        kid = self.jwt_active_kid or next(iter(self.jwt_keys))
        if kid not in self.jwt_keys:
            raise ValueError(f"CRM_JWT_ACTIVE_KID {kid!r} is not among CRM_JWT_KEYS")
        return kid

    def with_(self, **changes: object) -> GatewayConfig:
        return replace(self, **changes)  # type: ignore[arg-type]


def listen_address() -> tuple[str, int]:
    return _env("GATEWAY_HOST", "127.0.0.1"), int(_env("GATEWAY_PORT", "8080"))
