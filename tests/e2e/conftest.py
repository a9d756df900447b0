"""The whole suite, started once per test run, driven through the gateway only."""

from __future__ import annotations

import pytest

from shared.testing.servers import rabbitmq_vhost
from shared.testing.suite import ApiClient, running_suite


@pytest.fixture(scope="session")
def suite(pg_server):
    # its own vhost: integration tests run consumers on the same queue names
    with rabbitmq_vhost() as amqp_url, running_suite(pg_server, amqp_url) as s:
        yield s


@pytest.fixture(scope="session")
def admin(suite) -> ApiClient:
    return ApiClient.login(suite.url, "admin", suite.admin_password)
