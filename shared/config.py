"""Configuration from environment variables, with defaults that work on a developer machine.

Least privilege (README, "Secrets and defaults"): every component connects to PostgreSQL
as its own role (`crm_<name>`, owner of database `crm_<name>` and of nothing else) and to
RabbitMQ as its own user (`crm-<name>`), with passwords from `CRM_DB_PASSWORD_<NAME>` and
`CRM_BROKER_PASSWORD_<NAME>` (generated per installation by `python -m deploy.secrets`).
`<NAME>_DATABASE_URL` / `CRM_PG_URL` and `<NAME>_RABBITMQ_URL` / `RABBITMQ_URL` override the
built URLs (tests and single-user set-ups)."""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass, field, replace

from sqlalchemy.engine import URL, make_url

from shared.secrets import DEV_INTERNAL_SECRET, secret_from_env

SERVICE_PORTS = {
    "customer": 8101,
    "sales": 8102,
    "inventory": 8103,
    "billing": 8104,
    "tracking": 8105,
}
SERVICES = tuple(SERVICE_PORTS)
COMPONENTS = ("gateway", *SERVICES)


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def port_offset() -> int:
    """CRM_PORT_OFFSET: added to every service's port (a second instance on one machine,
    e.g. a branch at 8201..8205 beside head office's 8101..8105)."""
    return int(_env("CRM_PORT_OFFSET", "0"))


def service_port(service: str) -> int:
    return SERVICE_PORTS[service] + port_offset()


# ---- PostgreSQL -------------------------------------------------------------------
def pg_base_url() -> str:
    """A server URL without a database name for administrative work (scratch databases of
    tests, benchmarks, makemigration), e.g. postgresql+psycopg://postgres@127.0.0.1:5432."""
    explicit = os.environ.get("CRM_PG_URL")
    if explicit:
        return explicit.rstrip("/")
    admin = os.environ.get("CRM_PG_ADMIN_URL")
    if admin:
        u = make_url(admin)
        server = URL.create(u.drivername, username=u.username, password=u.password, host=u.host, port=u.port)
        return server.render_as_string(hide_password=False).rstrip("/")
    return "postgresql+psycopg://postgres@127.0.0.1:5432"


def pg_admin_url() -> str:
    """The administrative connection deploy.prepare uses to create roles and databases."""
    return _env("CRM_PG_ADMIN_URL", f"{pg_base_url()}/postgres")


def db_name_prefix() -> str:
    return _env("CRM_DB_PREFIX", "crm_")


def db_role(component: str) -> str:
    """The component's own PostgreSQL role, also the name of its database."""
    return f"{db_name_prefix()}{component}"


def db_password(component: str) -> str | None:
    return os.environ.get(f"CRM_DB_PASSWORD_{component.upper()}") or None


def database_url_is_explicit(component: str) -> bool:
    """True when the deployment names the component's database URL itself (then deploy.prepare
    leaves roles alone and the component connects as whoever that URL says)."""
    return bool(os.environ.get(f"{component.upper()}_DATABASE_URL") or os.environ.get("CRM_PG_URL"))


def default_database_url(component: str) -> str:
    specific = os.environ.get(f"{component.upper()}_DATABASE_URL")
    if specific:
        return specific
    if os.environ.get("CRM_PG_URL"):
        return f"{pg_base_url()}/{db_role(component)}"
    return URL.create(
        "postgresql+psycopg",
        username=db_role(component),
        password=db_password(component),
        host=_env("CRM_PG_HOST", "127.0.0.1"),
        port=int(_env("CRM_PG_PORT", "5432")),
        database=db_role(component),
    ).render_as_string(hide_password=False)


# ---- RabbitMQ ---------------------------------------------------------------------
def broker_user_prefix() -> str:
    return _env("CRM_BROKER_USER_PREFIX", "crm-")


def broker_user(component: str, prefix: str | None = None) -> str:
    """The component's own broker user."""
    return f"{broker_user_prefix() if prefix is None else prefix}{component}"


def broker_password(component: str) -> str | None:
    return os.environ.get(f"CRM_BROKER_PASSWORD_{component.upper()}") or None


def rabbitmq_vhost() -> str:
    return _env("CRM_RABBITMQ_VHOST", "/")


def rabbitmq_url_is_explicit(component: str) -> bool:
    return bool(os.environ.get(f"{component.upper()}_RABBITMQ_URL") or os.environ.get("RABBITMQ_URL"))


def default_rabbitmq_url(component: str) -> str:
    explicit = os.environ.get(f"{component.upper()}_RABBITMQ_URL") or os.environ.get("RABBITMQ_URL")
    if explicit:
        return explicit
    q = urllib.parse.quote
    user = q(broker_user(component), safe="")
    password = q(broker_password(component) or "", safe="")
    host = _env("CRM_RABBITMQ_HOST", "127.0.0.1")
    port = _env("CRM_RABBITMQ_PORT", "5672")
    return f"amqp://{user}:{password}@{host}:{port}/{q(rabbitmq_vhost(), safe='')}"


def url_user(amqp_url: str) -> str:
    """The user an AMQP URL logs in as (pika's default: guest)."""
    parsed = urllib.parse.urlsplit(amqp_url)
    return urllib.parse.unquote(parsed.username) if parsed.username else "guest"


def parse_producer_users(raw: str) -> tuple[tuple[str, str], ...]:
    """`gateway=crm-gateway,customer=crm-customer` -> (("gateway", "crm-gateway"), ...)."""
    pairs = []
    for item in raw.split(","):
        if item.strip():
            producer, sep, user = item.partition("=")
            if not sep or not producer.strip() or not user.strip():
                raise ValueError(f"CRM_BROKER_PRODUCERS: {item!r} is not producer=user")
            pairs.append((producer.strip(), user.strip()))
    return tuple(pairs)


def parse_region_links(raw: str) -> tuple[tuple[str, str], ...]:
    """`cn-south=crm-link-cn-south,...` -> (("cn-south", "crm-link-cn-south"), ...): at head
    office, which broker user (a branch's shovel) forwards which region's events."""
    pairs = []
    for item in raw.split(","):
        if item.strip():
            region, sep, user = item.partition("=")
            if not sep or not region.strip() or not user.strip():
                raise ValueError(f"CRM_REGION_LINKS: {item!r} is not region=user")
            pairs.append((region.strip(), user.strip()))
    return tuple(pairs)


def link_user(region: str) -> str:
    """The broker user of the shovel that carries region's events to head office (broker
    users are global to a broker: one name for both ends when they share one)."""
    return _env("CRM_LINK_USER", f"crm-link-{region}")


def link_password(region: str) -> str | None:
    """CRM_LINK_PASSWORD_<REGION> (`cn-south` -> CRM_LINK_PASSWORD_CN_SOUTH)."""
    return os.environ.get(f"CRM_LINK_PASSWORD_{region.upper().replace('-', '_')}") or None


def _declare_topology_from_env() -> bool | None:
    raw = _env("CRM_DECLARE_TOPOLOGY", "").lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    return None


def idempotency_ttl_s() -> int:
    """How long a write's Idempotency-Key is remembered (the gateway's and every service's)."""
    return int(_env("CRM_IDEMPOTENCY_TTL_S", "86400"))


def retry_delays_ms() -> tuple[int, ...]:
    raw = _env("CRM_RETRY_DELAYS_MS", "1000,5000,30000")
    return tuple(int(x) for x in raw.split(",") if x.strip())


@dataclass(frozen=True)
class Settings:
    """Everything a service process needs to know about its surroundings."""

    service: str
    database_url: str
    # "" = built for this component (its own broker user) unless RABBITMQ_URL is given
    rabbitmq_url: str = ""
    region: str = field(default_factory=lambda: _env("REGION", "cn-east"))
    exchange: str = field(default_factory=lambda: _env("CRM_EXCHANGE", "crm.events"))
    dead_letter_exchange: str = field(default_factory=lambda: _env("CRM_DLX", "crm.dlx"))
    # head office: the exchange the branches' shovels publish to, which regions it receives
    # (and from which broker user each), and which consumers bind it (deploy/regions.py)
    regions_exchange: str = field(default_factory=lambda: _env("CRM_REGIONS_EXCHANGE", "crm.regions"))
    region_links: tuple[tuple[str, str], ...] = field(
        default_factory=lambda: parse_region_links(_env("CRM_REGION_LINKS", "")))
    region_consumers: tuple[str, ...] = field(
        default_factory=lambda: tuple(x.strip() for x in _env("CRM_REGION_CONSUMERS", "tracking").split(",")
                                      if x.strip()))
    # no public default: checked when an API process starts (shared.secrets)
    internal_secret: str = field(default_factory=lambda: secret_from_env("CRM_INTERNAL_SECRET", DEV_INTERNAL_SECRET))
    retry_delays_ms: tuple[int, ...] = field(default_factory=retry_delays_ms)
    prefetch: int = field(default_factory=lambda: int(_env("CRM_PREFETCH", "200")))
    relay_batch: int = field(default_factory=lambda: int(_env("CRM_RELAY_BATCH", "500")))
    relay_window: int = field(default_factory=lambda: int(_env("CRM_RELAY_WINDOW", "100")))
    queue_type: str = field(default_factory=lambda: _env("CRM_QUEUE_TYPE", "quorum"))
    # which broker user publishes each producer's events (shared.provenance); empty: by
    # convention <broker_user_prefix><producer> when this component runs as its own user,
    # else every producer is this component's (shared) user
    producer_users: tuple[tuple[str, str], ...] = field(
        default_factory=lambda: parse_producer_users(_env("CRM_BROKER_PRODUCERS", "")))
    broker_user_prefix: str = field(default_factory=broker_user_prefix)
    # None: declare exchanges, queues and bindings unless running as the component's own
    # broker user (then deploy.prepare declared them and the component only checks they exist)
    declare_topology: bool | None = field(default_factory=_declare_topology_from_env)

    # LISTEN/NOTIFY needs a session of its own: behind PgBouncer (transaction pooling) give
    # <NAME>_DIRECT_DATABASE_URL pointing at PostgreSQL itself; "" = database_url
    direct_database_url: str = ""

    def __post_init__(self) -> None:
        if not self.rabbitmq_url:
            object.__setattr__(self, "rabbitmq_url", default_rabbitmq_url(self.service))
        if not self.direct_database_url:
            direct = os.environ.get(f"{self.service.upper()}_DIRECT_DATABASE_URL") or self.database_url
            object.__setattr__(self, "direct_database_url", direct)

    @property
    def queue_name(self) -> str:
        return f"{self.service}.events"

    @property
    def broker_user(self) -> str:
        """The broker user this component logs in as (and stamps as user_id on what it publishes)."""
        return url_user(self.rabbitmq_url)

    @property
    def runs_as_own_broker_user(self) -> bool:
        return self.broker_user == broker_user(self.service, self.broker_user_prefix)

    @property
    def receives_regions(self) -> bool:
        """True for a head-office consumer that also takes the branches' events."""
        return bool(self.region_links) and self.service in self.region_consumers

    @property
    def declares_topology(self) -> bool:
        return (not self.runs_as_own_broker_user) if self.declare_topology is None else self.declare_topology

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed. A new database_url brings its own direct URL
        (the old one named the old database) unless a direct URL is given too."""
        if "database_url" in changes and "direct_database_url" not in changes \
                and self.direct_database_url == self.database_url:
            changes = {**changes, "direct_database_url": ""}
        return replace(self, **changes)  # type: ignore[arg-type]


def settings_for(service: str, **overrides: object) -> Settings:
    base = Settings(service=service, database_url=default_database_url(service))
    return base.with_(**overrides) if overrides else base
