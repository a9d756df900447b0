"""The fault suite (`make faults`; not part of `make test`, see tests/conftest.py): one
suite of processes, each under deploy.supervise as `make run` runs them, reaching the
broker and PostgreSQL through TCP proxies the cases cut."""

from __future__ import annotations

import os
import urllib.parse

import pytest
from sqlalchemy.engine import make_url

from shared.config import COMPONENTS
from shared.testing.proxy import TcpProxy
from shared.testing.servers import rabbitmq_vhost
from shared.testing.suite import ApiClient, running_suite
from tests.faults.cases import Faulty

# Restarting the real servers stops every other user's work on them: only when asked
SHARED_SERVERS = os.environ.get("CRM_FAULTS_RESTART_SERVERS") == "1"


def _proxy(host: str, port: int) -> TcpProxy:
    proxy = TcpProxy(host, port)
    proxy.start()
    return proxy


@pytest.fixture(scope="session")
def faulty(pg_server):
    pg = make_url(pg_server)
    database = _proxy(pg.host or "127.0.0.1", pg.port or 5432)
    proxied_pg = pg.set(host="127.0.0.1", port=database.port).render_as_string(hide_password=False)
    with rabbitmq_vhost() as amqp_url:
        parsed = urllib.parse.urlsplit(amqp_url)
        broker, env = {}, {}
        for name in COMPONENTS:
            broker[name] = _proxy(parsed.hostname or "127.0.0.1", parsed.port or 5672)
            netloc = f"{parsed.username}:{parsed.password}@127.0.0.1:{broker[name].port}"
            env[f"{name.upper()}_RABBITMQ_URL"] = urllib.parse.urlunsplit(
                (parsed.scheme, netloc, parsed.path, "", ""))
        try:
            with running_suite(proxied_pg, amqp_url, label="faults", extra_env=env) as suite:
                yield Faulty(suite, amqp_url, broker, database)
        finally:
            for proxy in (*broker.values(), database):
                proxy.stop()


@pytest.fixture(scope="session")
def admin(faulty) -> ApiClient:
    return ApiClient.login(faulty.suite.url, "admin", faulty.suite.admin_password)
