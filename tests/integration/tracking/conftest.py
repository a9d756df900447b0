from __future__ import annotations

import pytest

from services.tracking.bootstrap import create_app
from services.tracking.handlers import handler_table
from shared.consumer import run_handlers_directly
from shared.db import make_engine
from shared.outbox import Outbox
from shared.testing.clients import ServiceClient


@pytest.fixture
def settings(service_settings):
    return service_settings("tracking")


@pytest.fixture
def engine(settings):
    e = make_engine(settings.database_url, pool_size=2)
    yield e
    e.dispose()


@pytest.fixture
def apply(engine, settings):
    """apply(envelopes): run tracking's real handler table on them, as the consumer would
    (inbox per handler, one transaction per call)."""
    table = handler_table()
    outbox = Outbox("tracking", settings.region)

    def run(envelopes):
        run_handlers_directly(engine, table, outbox, list(envelopes))

    return run


@pytest.fixture
def app(settings):
    app = create_app(settings)
    yield app
    app.extensions["crm"].engine.dispose()


@pytest.fixture
def as_user(app, settings):
    def make(user: dict) -> ServiceClient:
        return ServiceClient(app, user, settings.internal_secret)

    return make
