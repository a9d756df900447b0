"""Database helpers: engines, databases, migrations."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url


@dataclass(frozen=True)
class PoolBudget:
    """How many PostgreSQL connections one process may hold: `size` stay open in the pool
    at rest, up to `overflow` more are opened under load and closed when returned, and a
    caller waits at most `timeout` seconds for one (then shared.web answers 503)."""

    size: int
    overflow: int
    timeout: float


def _threads() -> int:
    return max(1, int(os.environ.get("GUNICORN_THREADS", "4")))


# Per process kind (README, "Connection budget"): an API worker needs one connection per
# request thread at most; a consumer applies one batch at a time (one connection, plus one
# for the rare isolated re-run); a relay claims and marks rows on one (its LISTEN
# connection is separate); tools and start-up checks use one. CRM_DB_POOL_<KIND>="size,overflow"
# overrides a kind, CRM_DB_POOL_TIMEOUT_S the wait.
POOL_KINDS = ("api", "consumer", "relay", "tool")


def pool_budget(kind: str) -> PoolBudget:
    defaults = {"api": (1, _threads() - 1), "consumer": (1, 1), "relay": (1, 0), "tool": (1, 0)}
    if kind not in defaults:
        raise ValueError(f"unknown pool kind {kind!r}")
    size, overflow = defaults[kind]
    raw = os.environ.get(f"CRM_DB_POOL_{kind.upper()}", "")
    if raw:
        size_text, _, overflow_text = raw.partition(",")
        size, overflow = int(size_text), int(overflow_text or 0)
    timeout = float(os.environ.get("CRM_DB_POOL_TIMEOUT_S", "3" if kind == "api" else "30"))
    return PoolBudget(max(1, size), max(0, overflow), timeout)


def behind_pgbouncer() -> bool:
    """CRM_PGBOUNCER=1: the database URLs point at PgBouncer in transaction pooling mode."""
    return os.environ.get("CRM_PGBOUNCER", "").lower() in ("1", "true", "yes")


def make_engine(url: str, *, kind: str = "tool", pool_size: int | None = None, **kwargs: object) -> Engine:
    """An engine within the connection budget of its process kind (`pool_size` overrides
    the kind's resting size, e.g. for a benchmark)."""
    budget = pool_budget(kind)
    # each session names its process kind (pg_stat_activity): readiness asks whether the
    # relay is up by its sessions (shared.db.sessions_of)
    connect_args = dict(kwargs.pop("connect_args", {}) or {})  # type: ignore[call-overload]
    connect_args.setdefault("application_name", application_name(kind))
    kwargs["connect_args"] = connect_args
    if behind_pgbouncer():
        # transaction pooling hands each transaction to any server session: no server-side
        # prepared statements (psycopg prepares a query after 5 runs by default)
        connect_args = dict(kwargs.pop("connect_args", {}) or {})  # type: ignore[call-overload]
        connect_args["prepare_threshold"] = None
        kwargs["connect_args"] = connect_args
    size = pool_size if pool_size is not None else budget.size
    engine = sa.create_engine(
        url,
        pool_size=size,
        max_overflow=budget.overflow,
        pool_timeout=budget.timeout,
        pool_pre_ping=True,
        pool_recycle=1800,
        future=True,
        **kwargs,  # type: ignore[arg-type]
    )
    from shared.metrics import watch_pool  # connections in use and the budget, per process

    watch_pool(engine, kind, size + budget.overflow)
    return engine


def application_name(kind: str) -> str:
    return f"crm-{kind}"


def sessions_of(engine: Engine, kind: str) -> int:
    """Sessions a process kind (api, consumer, relay, ...) holds on this engine's database."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND application_name = :a"), {"a": application_name(kind)}).scalar_one()


def is_unavailable(exc: BaseException) -> bool:
    """A database error that means 'try again later' (no connection free in the pool, the
    server refusing connections or gone), not a fault of the request: answered 503."""
    if isinstance(exc, sa.exc.TimeoutError):  # the pool's wait ran out
        return True
    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        name = type(orig).__name__
        return name in ("OperationalError", "InterfaceError", "ConnectionTimeout", "AdminShutdown",
                        "CannotConnectNow", "TooManyConnections") or isinstance(orig, ConnectionError)
    return False


def _admin_engine(url: str) -> Engine:
    admin_url = make_url(url).set(database="postgres")
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def ensure_database(url: str) -> bool:
    """Create the database named in url if it does not exist. Returns True when created."""
    name = make_url(url).database
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if not exists:
                try:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                except sa.exc.ProgrammingError as exc:
                    # a component's own role may not create databases (issue 11.2)
                    raise RuntimeError(f"database {name} does not exist and {make_url(url).username} may not "
                                       "create it: run `python -m deploy.prepare` (make prepare)") from exc
                return True
            return False
    finally:
        engine.dispose()


def drop_database(url: str) -> None:
    name = make_url(url).database
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def run_migrations(url: str, migrations_dir: Path) -> None:
    """Upgrade the database at url to the newest Alembic revision found in migrations_dir."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["database_url"] = url
    command.upgrade(cfg, "head")


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))


def escape_like(text: str) -> str:
    """text with LIKE's wildcards (and the escape character, backslash: PostgreSQL's default)
    taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards taken literally."""
    return f"%{escape_like(text)}%"
