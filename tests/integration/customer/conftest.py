"""Fixtures for the customer service's integration tests: one migrated database per
test module, the app, and a ServiceClient per role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from services.customer.bootstrap import import_worker, root
from shared.db import make_engine
from shared.testing.clients import ServiceClient, new_user, seed_users

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def settings(service_settings):
    return service_settings("customer")


@pytest.fixture(scope="module")
def engine(settings):
    e = make_engine(settings.database_url)
    yield e
    e.dispose()


@pytest.fixture(scope="module")
def app(settings):
    return root.create_app(settings)


@pytest.fixture(scope="module")
def people(app, engine, settings):
    """admin; manager -> sales (rep), other_sales (no manager); finance; warehouse; manager2."""
    admin = new_user("admin")
    manager = new_user("manager")
    manager2 = new_user("manager")
    sales = new_user("sales", manager_id=manager["id"])
    other = new_user("sales", manager_id=manager2["id"])
    finance = new_user("finance")
    warehouse = new_user("warehouse")
    seed_users(engine, admin, manager, manager2, sales, other, finance, warehouse)

    def client(user):
        return ServiceClient(app, user, settings.internal_secret)

    return SimpleNamespace(
        admin=client(admin), manager=client(manager), manager2=client(manager2), sales=client(sales),
        other=client(other), finance=client(finance), warehouse=client(warehouse),
    )


@pytest.fixture(scope="module")
def worker(settings):
    return import_worker(settings, batch_size=50, poll=0.05)


def outbox_events(engine, event_type: str, aggregate_id: str | None = None) -> list[dict]:
    query = "SELECT payload FROM outbox WHERE routing_key = :rk"
    params = {"rk": f"{event_type}.v1"}
    if aggregate_id:
        query += " AND payload->>'aggregate_id' = :a"
        params["a"] = aggregate_id
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.text(query + " ORDER BY id"), params)]
