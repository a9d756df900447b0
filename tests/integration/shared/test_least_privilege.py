"""Least privilege for the parts (issue 11.2), as deploy.prepare sets up an installation:
each component is its own PostgreSQL role that owns its database and cannot even connect
to another's, and the suite works end to end with every part running as its own role and
broker user."""

from __future__ import annotations

import uuid

import psycopg
import pytest
import sqlalchemy as sa

from deploy.database_roles import libpq_dsn
from shared.config import COMPONENTS
from shared.db import make_engine, run_migrations
from shared.events import gateway as gateway_events
from shared.outbox import EventContext, Outbox
from shared.testing.clients import ServiceClient, new_user
from shared.testing.fixtures import TEST_INTERNAL_SECRET, eventually
from shared.testing.servers import least_privilege_installation

pytestmark = pytest.mark.integration


def connect_as(settings, database: str | None = None) -> psycopg.Connection:
    return psycopg.connect(libpq_dsn(settings.database_url, database), autocommit=True, connect_timeout=5)


def test_each_component_is_its_own_role_on_its_own_database(least_privilege):
    for name in COMPONENTS:
        settings = least_privilege.settings(name)
        role = least_privilege.role(name)
        with connect_as(settings) as conn:
            assert conn.execute("SELECT current_user, current_database()").fetchone() == (role, role)
            attrs = conn.execute("SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
                                 "FROM pg_roles WHERE rolname = current_user").fetchone()
            assert attrs == (False,) * 5
            # whatever its migrations made is the role's own
            foreign = conn.execute(
                "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
                "AND pg_get_userbyid(c.relowner) <> current_user").fetchall()
            assert foreign == []
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] > 3


def test_no_role_can_connect_to_another_components_database(least_privilege):
    refused = 0
    for name in COMPONENTS:
        settings = least_privilege.settings(name)
        for other in COMPONENTS:
            if other == name:
                continue
            with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
                connect_as(settings, least_privilege.role(other))
            refused += 1
    assert refused == len(COMPONENTS) * (len(COMPONENTS) - 1)


def test_a_role_cannot_create_databases_or_roles_or_read_server_files(least_privilege):
    with connect_as(least_privilege.settings("customer")) as conn:
        for statement in (f'CREATE DATABASE "{least_privilege.prefix}_stolen"',
                          f'CREATE ROLE "{least_privilege.prefix}_helper" SUPERUSER',
                          "SELECT pg_read_file('/etc/passwd')"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_prepare_takes_over_an_installation_that_ran_as_the_superuser(pg_server):
    """Databases made by an older `make run` belong to the superuser; prepare hands them and
    everything in them to the component's role, keeps the data, and can run again."""
    from services.billing.bootstrap import root

    with least_privilege_installation(pg_server, ["billing"], prepare=False) as inst:
        old_url = f"{pg_server}/{inst.role('billing')}"
        with psycopg.connect(libpq_dsn(inst.admin_url), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{inst.role("billing")}"')
        run_migrations(old_url, root.migrations_dir)  # as the superuser, as before
        event_id = str(uuid.uuid4())
        with psycopg.connect(libpq_dsn(old_url), autocommit=True) as admin:
            admin.execute("INSERT INTO inbox (event_id, handler) VALUES (%s, 'old')", [event_id])

        for _ in range(2):  # idempotent
            done = inst.prepare()
            assert done.returncode == 0, done.stderr
        settings = inst.settings("billing")
        with connect_as(settings) as conn:
            assert conn.execute("SELECT count(*) FROM inbox WHERE event_id = %s", [event_id]).fetchone()[0] == 1
            owners = {r[0] for r in conn.execute(
                "SELECT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')")}
            assert owners == {inst.role("billing")}
            conn.execute("INSERT INTO inbox (event_id, handler) VALUES (%s, 'new')", [event_id])
        with psycopg.connect(libpq_dsn(inst.admin_url), autocommit=True) as admin:
            acl = admin.execute("SELECT datacl::text FROM pg_database WHERE datname = %s",
                                [inst.role("billing")]).fetchone()[0]
        assert "=c" not in acl.replace(f"{inst.role('billing')}=", "")  # PUBLIC has no CONNECT


def test_the_suite_works_end_to_end_with_every_part_as_its_own_role(least_privilege, run_in_thread):
    """gateway writes a user event as its role -> its relay publishes as its broker user ->
    the customer consumer (its role and user) accepts it from the gateway -> the customer
    API, as its role, lets that user create and read a customer -> the customer relay
    publishes as its user -> tracking's consumer records it."""
    from gateway.bootstrap import root as gateway_root
    from services.customer.bootstrap import root as customer_root
    from services.tracking.bootstrap import root as tracking_root

    gateway = least_privilege.settings("gateway")
    customer = least_privilege.settings("customer", internal_secret=TEST_INTERNAL_SECRET)
    tracking = least_privilege.settings("tracking")
    assert customer.broker_user == least_privilege.broker_user("customer") and not customer.declares_topology

    rep = new_user("sales")
    gateway_engine = make_engine(gateway.database_url, pool_size=1)
    with gateway_engine.begin() as conn:
        Outbox("gateway", gateway.region).add(
            conn, EventContext(), "gateway.user.created", aggregate_type="user", aggregate_id=rep["id"],
            data={**gateway_events._USER_SAMPLE, **{k: rep[k] for k in ("id", "username", "full_name", "role",
                                                                          "manager_id", "active", "region")}})
    run_in_thread(gateway_root.relay(gateway))
    customer_consumer = run_in_thread(customer_root.consumer(customer))
    run_in_thread(customer_root.relay(customer))
    tracking_consumer = run_in_thread(tracking_root.consumer(tracking))

    customer_engine = make_engine(customer.database_url, pool_size=1)

    def rep_known() -> bool:
        with customer_engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM acl_users WHERE id = :u"),
                                {"u": rep["id"]}).scalar() == 1

    eventually(rep_known, timeout=20)
    assert customer_consumer.refused == 0

    client = ServiceClient(customer_root.create_app(customer), rep, TEST_INTERNAL_SECRET)
    created = client.post("/customers", json={"name": f"最小权限客户{uuid.uuid4().hex[:6]}"})
    assert created.status_code == 201, created.get_json()
    cid = created.get_json()["id"]
    read = client.get(f"/customers/{cid}")
    assert read.status_code == 200 and read.get_json()["owner_id"] == rep["id"]

    tracking_engine = make_engine(tracking.database_url, pool_size=1)

    def recorded() -> bool:
        with tracking_engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM events WHERE event_type = 'customer.customer.created' "
                                        "AND aggregate_id = :c"), {"c": cid}).scalar() == 1

    eventually(recorded, timeout=20)
    assert tracking_consumer.refused == 0
    for engine in (gateway_engine, customer_engine, tracking_engine):
        engine.dispose()
