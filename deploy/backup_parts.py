"""The pieces of a backup (deploy/backup.py): one database dumped with the row counts of the
same snapshot, the broker's definitions of the suite's vhost, the document files, checksums.

Each database is dumped with `pg_dump --format=custom --snapshot=<id>` from a REPEATABLE READ
transaction that exported that snapshot and counts every table in it: the dump and its
counts are the same moment of that database (consistent per database, not across them:
see the root README, "Backup and restore", for why the outbox and inbox make that safe)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import requests
from psycopg import sql
from sqlalchemy.engine import URL, make_url

CHUNK = 1 << 20


class BackupError(SystemExit):
    """A backup, restore or verify that cannot go on (the message says why)."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ---- PostgreSQL ---------------------------------------------------------------------------

def libpq(url: str, database: str | None = None) -> tuple[str, dict[str, str]]:
    """(connection string without the password, environment with PGPASSWORD): the password
    never appears on a command line."""
    u = make_url(url).set(drivername="postgresql")
    if database:
        u = u.set(database=database)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    bare = URL.create("postgresql", username=u.username, host=u.host, port=u.port, database=u.database,
                      query=u.query)
    return bare.render_as_string(hide_password=False), env


def connect(url: str, database: str | None = None, **kw: Any) -> psycopg.Connection:
    u = make_url(url).set(drivername="postgresql")
    if database:
        u = u.set(database=database)
    return psycopg.connect(u.render_as_string(hide_password=False), **kw)


def tool_major(tool: str) -> int:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match:
        raise BackupError(f"cannot read the version of {tool}: {out!r}")
    return int(match.group(1))


def check_tools(server_version_num: int) -> dict[str, str]:
    """pg_dump and pg_restore must be there and at least the server's major version."""
    versions = {}
    for tool in ("pg_dump", "pg_restore"):
        if not shutil.which(tool):
            raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
        major = tool_major(tool)
        if major < server_version_num // 10000:
            raise BackupError(f"{tool} {major} is older than the server ({server_version_num // 10000}): "
                              "install the client of the server's version")
        versions[tool] = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip()
    return versions


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    tables = [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    return {t: conn.execute(sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(t))).fetchone()[0]
            for t in tables}


def alembic_heads(conn: psycopg.Connection) -> list[str]:
    try:
        return sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
    except psycopg.errors.UndefinedTable:
        conn.rollback()
        return []


def dump_database(url: str, target: Path) -> dict[str, Any]:
    """Dump one database at one snapshot; its counts, schema revision and server version."""
    with connect(url) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        server = conn.execute("SELECT current_setting('server_version_num')::int, version()").fetchone()
        tools = check_tools(server[0])
        dsn, env = libpq(url)
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
             f"--file={target}", f"--dbname={dsn}"], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_dump of {make_url(url).database} failed: {result.stderr.strip()}")
        counts = table_counts(conn)
        heads = alembic_heads(conn)
        conn.rollback()
    return {"database": make_url(url).database, "server_version": server[1], "pg_dump": tools["pg_dump"],
            "alembic": heads, "counts": counts, "rows": sum(counts.values())}


def restore_dump(url: str, dump: Path) -> None:
    """pg_restore into the (empty) database at url, objects owned by url's user."""
    dsn, env = libpq(url)
    result = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={dsn}", str(dump)], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore into {make_url(url).database} failed: {result.stderr.strip()[:2000]}")


def is_empty(url: str) -> bool:
    with connect(url) as conn:
        return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


# ---- RabbitMQ -----------------------------------------------------------------------------

def vhost_of(amqp_url: str) -> str:
    path = urllib.parse.urlsplit(amqp_url).path
    return urllib.parse.unquote(path[1:]) if len(path) > 1 else "/"


def broker_definitions() -> tuple[dict[str, Any], str]:
    """The whole broker's definitions and how they were read: the management API when
    CRM_RABBITMQ_MANAGEMENT_URL is set, else `rabbitmqctl export_definitions`."""
    url = os.environ.get("CRM_RABBITMQ_MANAGEMENT_URL")
    if url:
        auth = (os.environ.get("CRM_RABBITMQ_ADMIN_USER") or "guest",
                os.environ.get("CRM_RABBITMQ_ADMIN_PASSWORD") or "guest")
        r = requests.get(f"{url.rstrip('/')}/api/definitions", auth=auth, timeout=60)
        r.raise_for_status()
        return r.json(), "management API"
    command = (os.environ.get("CRM_RABBITMQCTL") or "rabbitmqctl").split()
    if not shutil.which(command[0]):
        raise BackupError("neither CRM_RABBITMQ_MANAGEMENT_URL nor rabbitmqctl: cannot read the broker's definitions")
    result = subprocess.run([*command, "-q", "export_definitions", "-", "--format", "json"],
                            capture_output=True, timeout=120)
    if result.returncode != 0:
        raise BackupError(f"rabbitmqctl export_definitions failed: {result.stderr.decode(errors='replace')}")
    return json.loads(result.stdout), "rabbitmqctl"


def suite_definitions(document: dict[str, Any], vhost: str, user_prefix: str) -> dict[str, Any]:
    """Only the suite's part: its vhost with its queues, exchanges, bindings, policies and
    parameters, the permissions on it, and the users named with the suite's prefix (with
    their password hashes: the broker passwords of the installation's secrets)."""
    on_vhost = {"queues", "exchanges", "bindings", "policies", "parameters", "permissions", "topic_permissions"}
    out: dict[str, Any] = {k: v for k, v in document.items() if k in ("rabbit_version", "rabbitmq_version")}
    out["vhosts"] = [v for v in document.get("vhosts", []) if v.get("name") == vhost]
    for key in on_vhost:
        out[key] = [x for x in document.get(key, []) if x.get("vhost") == vhost]
    out["users"] = [u for u in document.get("users", []) if u.get("name", "").startswith(user_prefix)]
    return out


# ---- documents ----------------------------------------------------------------------------

def document_files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path
