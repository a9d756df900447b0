"""Database helpers: engines, databases, migrations."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url


def make_engine(url: str, *, pool_size: int = 5, **kwargs: object) -> Engine:
    return sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        pool_recycle=1800,
        future=True,
        **kwargs,  # type: ignore[arg-type]
    )


@contextlib.contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One database transaction: committed when the block ends, rolled back on error."""
    with engine.begin() as conn:
        yield conn


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
