"""The gateway's configuration from environment variables, with development defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from shared.config import SERVICE_PORTS, service_port
from shared.secrets import DEV_JWT_SECRET, check_secret, secret_from_env

# First path segment under /api/v1 -> owning service (API.md).
ROUTES: dict[str, str] = {
    **dict.fromkeys(
        ("customers", "contacts", "imports", "exports", "leads", "activities", "complaints", "service-orders",
         "custom-fields", "work-plans", "out-of-office", "documents", "tasks", "calendar", "merges",
         "competitors", "campaigns"),
        "customer"),
    "jobs": "customer",  # bulk changes, their undo, imports (API.md "Data in and out")
    "handovers": "customer",  # a rep's hand-over to a colleague, as one job (issue 16)
    **dict.fromkeys(("opportunities", "quotes", "orders", "contracts", "prices", "projects", "sales-targets"),
                    "sales"),
    **dict.fromkeys(
        ("products", "warehouses", "stock", "shipments", "alerts", "suppliers", "purchase-orders",
         "purchase-inquiries", "requisitions", "loans"), "inventory"),
    **dict.fromkeys(
        ("invoices", "payments", "exchange-rates", "receivables", "expenses", "opening-balances",
         "prepayments"), "billing"),
    **dict.fromkeys(("timeline", "audit", "reports", "notifications", "webhooks"), "tracking"),
}

# Two-segment exceptions to ROUTES: POST /imports/products is inventory's (products live there),
# POST /imports/opening-balances billing's.
ROUTE_OVERRIDES: dict[tuple[str, str], str] = {("imports", "products"): "inventory",
                                               ("imports", "opening-balances"): "billing"}
# GET /imports/{id}, /imports/{id}/error_file and POST /imports/{id}/undo: asked of the first
# service and, when it answers 404 (or 403: a role that may not use that service's imports),
# of the next ones in turn at the paths given (product and opening-balance import ids are
# UUIDs in inventory's and billing's own tables).
IMPORT_FALLBACK = ("customer", (("inventory", "/products/imports/"), ("billing", "/opening-balances/imports/")))
# GET /jobs/{id}: a product or opening-balance import is a job too (its service's view of it as a job).
JOB_FALLBACK = ("customer", (("inventory", "/products/imports/{id}/job"),
                             ("billing", "/opening-balances/imports/{id}/job")))
# GET /imports: the customer service's imports, inventory's product imports and billing's
# opening-balance imports, one list (gateway/import_list.py).
IMPORT_LISTS = (("customer", "/imports"), ("inventory", "/products/imports"), ("billing", "/opening-balances/imports"))

# Access tokens live at most this long (a revoked session's tokens stop at once anyway:
# every request checks the session; the short life bounds a token copied elsewhere).
MAX_ACCESS_TTL_S = 900

# The development key (public): used only when CRM_DEV_MODE=1 and CRM_JWT_KEYS is unset.
DEV_JWT_KEYS = f"dev1:{DEV_JWT_SECRET}"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _upstreams() -> dict[str, str]:
    return {
        name: _env(f"{name.upper()}_URL", f"http://127.0.0.1:{service_port(name)}").rstrip("/")
        for name in SERVICE_PORTS
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
    # Access-token lifetime, seconds: at most MAX_ACCESS_TTL_S (a longer setting is capped).
    jwt_ttl: int = field(default_factory=lambda: int(_env("CRM_JWT_TTL", str(MAX_ACCESS_TTL_S))))
    # Sessions (refresh tokens): idle lifetime (each refresh extends it) and absolute lifetime.
    refresh_ttl_s: int = field(default_factory=lambda: int(_env("CRM_REFRESH_TTL_S", str(14 * 86400))))
    session_max_s: int = field(default_factory=lambda: int(_env("CRM_SESSION_MAX_S", str(30 * 86400))))
    admin_username: str = field(default_factory=lambda: _env("CRM_ADMIN_USERNAME", "admin"))
    # None: the first admin gets a generated password, printed once, to be changed at first login
    admin_password: str | None = field(default_factory=lambda: os.environ.get("CRM_ADMIN_PASSWORD") or None)
    connect_timeout: float = field(default_factory=lambda: float(_env("GATEWAY_CONNECT_TIMEOUT", "2")))
    read_timeout: float = field(default_factory=lambda: float(_env("GATEWAY_READ_TIMEOUT", "30")))
    ready_timeout: float = field(default_factory=lambda: float(_env("GATEWAY_READY_TIMEOUT", "2")))
    pool_size: int = field(default_factory=lambda: int(_env("GATEWAY_POOL_SIZE", "32")))  # per service
    # Failed logins (gateway/ratelimit.py), within a sliding window: a (username, address)
    # pair backs off after login_max_per_pair failures (login_backoff_s, doubling per further
    # failure, at most the window); an address is refused after login_max_per_address
    # failures for any usernames (high enough for an office behind one NAT).
    login_window_s: int = field(default_factory=lambda: int(_env("CRM_LOGIN_WINDOW_S", "900")))
    login_max_per_pair: int = field(default_factory=lambda: int(_env("CRM_LOGIN_MAX_FAILURES", "5")))
    login_backoff_s: int = field(default_factory=lambda: int(_env("CRM_LOGIN_BACKOFF_S", "30")))
    login_max_per_address: int = field(default_factory=lambda: int(_env("CRM_LOGIN_MAX_FAILURES_ADDR", "200")))
    # General per-user limit: requests per window (0 disables it). 1,200 a minute (20/s on
    # average) is far above what a person in the portal makes; scripts that need more ask
    # for a higher setting.
    user_rate_limit: int = field(default_factory=lambda: int(_env("CRM_USER_RATE_LIMIT", "1200")))
    user_rate_window_s: int = field(default_factory=lambda: int(_env("CRM_USER_RATE_WINDOW_S", "60")))
    # Reverse proxies in front of the gateway whose X-Forwarded-For is trusted (0: none).
    trusted_proxies: int = field(default_factory=lambda: int(_env("GATEWAY_TRUSTED_PROXIES", "0")))
    idempotency_ttl_s: int = field(default_factory=lambda: int(_env("CRM_IDEMPOTENCY_TTL_S", "86400")))

    @property
    def access_ttl(self) -> int:
        """The access-token lifetime actually used: 1 s to MAX_ACCESS_TTL_S."""
        return max(1, min(self.jwt_ttl, MAX_ACCESS_TTL_S))

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
