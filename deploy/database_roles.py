"""Each component's own PostgreSQL role and database (issue 11.2), made idempotently over an
administrative connection:

- role `<prefix><name>` (default `crm_customer`): LOGIN with the installation's password
  (sent as a SCRAM verifier, never in clear), no superuser, createdb, createrole,
  replication or bypassrls;
- database of the same name, owned by that role, with CONNECT and TEMPORARY revoked from
  PUBLIC: no other role (but superusers) can even connect to it;
- schema public and every object already in it (an installation that ran as the superuser
  before) owned by the role, so its migrations, run as the role, may alter them.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
PRIVILEGED = ("rolsuper", "rolcreatedb", "rolcreaterole", "rolreplication", "rolbypassrls")
RELATION_KINDS = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW",
                  "S": "SEQUENCE"}


def libpq_dsn(url: str, database: str | None = None) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://...) as a libpq connection string."""
    u = make_url(url).set(drivername="postgresql")
    if database:
        u = u.set(database=database)
    return u.render_as_string(hide_password=False)


def _check_name(name: str) -> str:
    if not NAME.match(name):
        raise ValueError(f"{name!r} is not a plain PostgreSQL name (lower case letters, digits, _)")
    return name


def ensure_role(conn: psycopg.Connection, role: str, password: str) -> None:
    """Create the login role, or bring an existing one back to a plain login role with this password."""
    verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()
    row = conn.execute(f"SELECT {', '.join(PRIVILEGED)} FROM pg_roles WHERE rolname = %s", [role]).fetchone()
    if row is None:
        conn.execute(sql.SQL(
            "CREATE ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {}"
        ).format(sql.Identifier(role), sql.Literal(verifier)))
        return
    conn.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(verifier)))
    if any(row):  # only a superuser may change these; a plain role needs no statement
        conn.execute(sql.SQL(
            "ALTER ROLE {} WITH NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        ).format(sql.Identifier(role)))


def ensure_database(conn: psycopg.Connection, database: str, owner: str) -> bool:
    """Create the database owned by owner (or hand an existing one over); only owner may
    connect. Returns True when created."""
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    if not exists:
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(owner)))
    else:
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(database), sql.Identifier(owner)))
    conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
    conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
        sql.Identifier(database), sql.Identifier(owner)))
    return not exists


_FOREIGN_RELATIONS = """
SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
  AND pg_get_userbyid(c.relowner) <> %(role)s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
  AND NOT (c.relkind = 'S' AND EXISTS (
      SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
"""
_FOREIGN_TYPES = """
SELECT t.typname, t.typtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r') AND pg_get_userbyid(t.typowner) <> %(role)s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                  AND d.deptype = 'e')
"""
_FOREIGN_ROUTINES = """
SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %(role)s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype = 'e')
"""


def hand_over_schema(conn: psycopg.Connection, role: str) -> int:
    """Make role the owner of schema public and of everything in it (connected to the
    component's database as the administrator). Returns the number of objects handed over."""
    owner = sql.Identifier(role)
    conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(owner))
    conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    moved = 0
    for name, kind in conn.execute(_FOREIGN_RELATIONS, {"role": role}).fetchall():
        conn.execute(sql.SQL("ALTER {} public.{} OWNER TO {}").format(
            sql.SQL(RELATION_KINDS[kind]), sql.Identifier(name), owner))
        moved += 1
    for name, kind in conn.execute(_FOREIGN_TYPES, {"role": role}).fetchall():
        keyword = "DOMAIN" if kind == "d" else "TYPE"
        conn.execute(sql.SQL("ALTER {} public.{} OWNER TO {}").format(sql.SQL(keyword), sql.Identifier(name), owner))
        moved += 1
    for (signature,) in conn.execute(_FOREIGN_ROUTINES, {"role": role}).fetchall():
        # the signature comes from the catalogue, already quoted as SQL
        conn.execute(sql.SQL("ALTER ROUTINE {} OWNER TO {}").format(sql.SQL(signature), owner))
        moved += 1
    return moved


def ensure_component_database(admin_url: str, role: str, password: str, database: str | None = None) -> None:
    """Role and database of one component, ready for its migrations to run as the role."""
    database = _check_name(database or role)
    _check_name(role)
    if not password:
        raise ValueError(f"no password for database role {role}")
    with psycopg.connect(libpq_dsn(admin_url), autocommit=True) as conn:
        ensure_role(conn, role, password)
        ensure_database(conn, database, role)
    with psycopg.connect(libpq_dsn(admin_url, database), autocommit=True) as conn:
        hand_over_schema(conn, role)


def drop_component_database(admin_url: str, role: str, database: str | None = None) -> None:
    """Remove a component's database and role (tests)."""
    database = _check_name(database or role)
    with psycopg.connect(libpq_dsn(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(_check_name(role))))
