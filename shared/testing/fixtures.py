"""pytest fixtures for every service's tests: per-run databases and vhost, workers in
threads, polling for eventual results, a TCP proxy that can cut the broker off.

Load with `pytest_plugins = ["shared.testing.fixtures"]` in tests/conftest.py."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.config import Settings, settings_for
from shared.secrets import new_secret
from shared.testing.proxy import TcpProxy
from shared.testing.servers import (
    Installation,
    drop_databases,
    least_privilege_installation,
    new_scratch_database,
    postgres_server,
    rabbitmq_vhost,
)

FAST_RETRIES = (100, 200, 300)
# Random per test run: no secret written in the repository is ever accepted.
TEST_INTERNAL_SECRET = new_secret()
TEST_JWT_KEYS = {"t1": new_secret()}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    with rabbitmq_vhost() as url:
        yield url


@pytest.fixture(scope="session")
def least_privilege(pg_server: str) -> Iterator[Installation]:
    """Every component prepared by deploy.prepare as in production: its own database role
    and broker user (unique names, a fresh vhost), removed after the run. Build a
    component's Settings with least_privilege.settings("customer")."""
    with least_privilege_installation(pg_server) as installation:
        yield installation


@pytest.fixture(scope="session")
def scratch_db(pg_server: str) -> Iterator[Callable[[str], str]]:
    """Factory: scratch_db(label) -> URL of a new database, dropped at the end of the run."""
    made: list[str] = []

    def make(label: str) -> str:
        url = new_scratch_database(pg_server, label)
        made.append(url)
        return url

    try:
        yield make
    finally:
        drop_databases(made)


@pytest.fixture(scope="session")
def service_settings(scratch_db, amqp_url) -> Callable[..., Settings]:
    """Factory: service_settings("tracking") -> Settings for a new, migrated database of
    that service on this run's vhost, with fast retries."""

    def make(service: str, *, migrate: bool = True, **overrides: Any) -> Settings:
        settings = settings_for(
            service,
            database_url=scratch_db(service),
            rabbitmq_url=amqp_url,
            retry_delays_ms=FAST_RETRIES,
            internal_secret=TEST_INTERNAL_SECRET,
            **overrides,
        )
        if migrate:
            from importlib import import_module

            module = "gateway.bootstrap" if service == "gateway" else f"services.{service}.bootstrap"
            import_module(module).root.migrate(settings)
        return settings

    return make


class Worker:
    """A consumer or relay running in a thread for the length of a test."""

    def __init__(self, worker: Any):
        self.worker = worker
        self.thread = threading.Thread(target=worker.run, daemon=True)

    def __enter__(self) -> Any:
        self.thread.start()
        return self.worker

    def __exit__(self, *exc: object) -> None:
        self.worker.stop()
        self.thread.join(timeout=15)


@pytest.fixture
def run_in_thread() -> Iterator[Callable[[Any], Any]]:
    """run_in_thread(worker) starts worker.run() in a thread; stopped after the test."""
    stack = contextlib.ExitStack()

    def start(worker: Any) -> Any:
        return stack.enter_context(Worker(worker))

    with stack:
        yield start


def eventually(check: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll until check() returns something truthy (returned) or raise after timeout."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except AssertionError as exc:
            last_error = exc
        time.sleep(interval)
    if last_error:
        raise last_error
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def tcp_proxy() -> Iterator[Callable[[str, int], TcpProxy]]:
    proxies: list[TcpProxy] = []

    def make(host: str, port: int) -> TcpProxy:
        proxy = TcpProxy(host, port)
        proxy.start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()
