"""Finding the PostgreSQL and RabbitMQ servers for a test run, and making the per-run
databases and vhost. The running local servers are used when they answer; otherwise
testcontainers starts them where a Docker engine exists."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import urllib.parse
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from shared.db import drop_database, ensure_database


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def docker_available() -> bool:
    return bool(shutil.which("docker")) and subprocess.run(
        ["docker", "info"], capture_output=True, timeout=10
    ).returncode == 0


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a server URL with no database, e.g. postgresql+psycopg://postgres@127.0.0.1:5432."""
    url = os.environ.get("CRM_PG_URL") or os.environ.get("DATABASE_URL")
    if url:
        parsed = urllib.parse.urlsplit(url)
        yield f"postgresql+psycopg://{parsed.netloc}"
        return
    if port_open("127.0.0.1", 5432):
        yield "postgresql+psycopg://postgres@127.0.0.1:5432"
        return
    if not docker_available():
        raise RuntimeError("PostgreSQL is not answering on 127.0.0.1:5432 and no Docker engine is available")
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:15") as pg:
        yield f"postgresql+psycopg://{pg.username}:{pg.password}@{pg.get_container_host_ip()}:{pg.get_exposed_port(5432)}"


@contextlib.contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """Yield an AMQP URL to a fresh vhost that is deleted afterwards."""
    base = os.environ.get("RABBITMQ_URL")
    if base or port_open("127.0.0.1", 5672):
        parsed = urllib.parse.urlsplit(base or "amqp://guest:guest@127.0.0.1:5672/")
        vhost = f"crm-test-{uuid.uuid4().hex[:10]}"
        user = urllib.parse.unquote(parsed.username or "guest")
        if shutil.which("rabbitmqctl"):
            subprocess.run(["rabbitmqctl", "-q", "add_vhost", vhost], check=True, capture_output=True)
            subprocess.run(["rabbitmqctl", "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"],
                           check=True, capture_output=True)
            try:
                yield f"{parsed.scheme}://{parsed.netloc}/{urllib.parse.quote(vhost, safe='')}"
            finally:
                subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True)
            return
        raise RuntimeError("rabbitmqctl is needed to create a test vhost")
    if not docker_available():
        raise RuntimeError("RabbitMQ is not answering on 127.0.0.1:5672 and no Docker engine is available")
    from testcontainers.rabbitmq import RabbitMqContainer

    with RabbitMqContainer("rabbitmq:3.13") as rmq:
        yield f"amqp://guest:guest@{rmq.get_container_host_ip()}:{rmq.get_exposed_port(5672)}/%2F"


def new_scratch_database(server_url: str, label: str) -> str:
    """A new, empty database on the server; its URL."""
    url = f"{server_url}/crmtest_{label}_{uuid.uuid4().hex[:8]}"
    ensure_database(url)
    return url


def drop_databases(urls: list[str]) -> None:
    """Drop the databases side by side (errors ignored): every DROP DATABASE waits for a
    checkpoint, and PostgreSQL serves drops waiting at the same time with one."""
    def drop(url: str) -> None:
        with contextlib.suppress(Exception):
            drop_database(url)

    with ThreadPoolExecutor(max_workers=min(8, len(urls)) or 1) as pool:
        list(pool.map(drop, urls))


@contextlib.contextmanager
def scratch_database(server_url: str, label: str) -> Iterator[str]:
    """A database that exists for the block only."""
    url = new_scratch_database(server_url, label)
    try:
        yield url
    finally:
        drop_database(url)


# ---- least privilege (issue 11.2) ---------------------------------------------------
def rabbitmqctl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    if not shutil.which("rabbitmqctl"):
        raise RuntimeError("rabbitmqctl is needed to manage broker users in tests")
    return subprocess.run(["rabbitmqctl", "-q", *args], input=stdin.encode() if stdin is not None else None,
                          capture_output=True, check=True, timeout=60)


@contextlib.contextmanager
def broker_test_user(amqp_url: str, name: str, *, configure: str = ".*", write: str = ".*",
                     read: str = ".*") -> Iterator[str]:
    """A real broker user on amqp_url's vhost for the block; yields an AMQP URL logging in as it."""
    parsed = urllib.parse.urlsplit(amqp_url)
    vhost = urllib.parse.unquote(parsed.path.lstrip("/")) or "/"
    password = uuid.uuid4().hex
    rabbitmqctl("add_user", name, stdin=password + "\n")
    try:
        rabbitmqctl("set_permissions", "-p", vhost, name, configure, write, read)
        netloc = f"{urllib.parse.quote(name, safe='')}:{password}@{parsed.hostname}:{parsed.port or 5672}"
        yield f"{parsed.scheme}://{netloc}{parsed.path}"
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_user", name], capture_output=True, timeout=60)


_OVERRIDES = ("RABBITMQ_URL", "CRM_PG_URL", "CRM_BROKER_PRODUCERS", "CRM_DECLARE_TOPOLOGY", "DATABASE_URL")


class Installation:
    """An installation prepared by `deploy.prepare` with least privilege, under unique names:
    roles and databases `<prefix>_<name>`, broker users `<prefix>-<name>` on a fresh vhost."""

    def __init__(self, pg_server: str, amqp_url: str, components: list[str]):
        from sqlalchemy.engine import make_url

        self.components = components
        self.prefix = f"crmt{uuid.uuid4().hex[:8]}"
        self.admin_url = f"{pg_server}/postgres"
        pg = make_url(pg_server)
        amqp = urllib.parse.urlsplit(amqp_url)
        self.vhost = urllib.parse.unquote(amqp.path.lstrip("/")) or "/"
        self.admin_amqp_url = amqp_url
        self.env = {
            "CRM_DB_PREFIX": f"{self.prefix}_",
            "CRM_BROKER_USER_PREFIX": f"{self.prefix}-",
            "CRM_PG_ADMIN_URL": self.admin_url,
            "CRM_PG_HOST": pg.host or "127.0.0.1",
            "CRM_PG_PORT": str(pg.port or 5432),
            "CRM_RABBITMQ_HOST": amqp.hostname or "127.0.0.1",
            "CRM_RABBITMQ_PORT": str(amqp.port or 5672),
            "CRM_RABBITMQ_VHOST": self.vhost,
            "CRM_RETRY_DELAYS_MS": "200,400,600",  # the retry queues prepare declares
        }
        for name in components:
            self.env[f"CRM_DB_PASSWORD_{name.upper()}"] = f"db-{uuid.uuid4().hex}"
            self.env[f"CRM_BROKER_PASSWORD_{name.upper()}"] = f"mq-{uuid.uuid4().hex}"

    def role(self, component: str) -> str:
        return f"{self.prefix}_{component}"

    def broker_user(self, component: str) -> str:
        return f"{self.prefix}-{component}"

    @contextlib.contextmanager
    def environment(self) -> Iterator[None]:
        """os.environ as the installation's processes see it (for building their Settings)."""
        saved = dict(os.environ)
        for name in list(os.environ):
            if name in _OVERRIDES or name.endswith(("_DATABASE_URL", "_RABBITMQ_URL")):
                del os.environ[name]
        os.environ.update(self.env)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def settings(self, component: str, **overrides):
        from shared.config import settings_for

        with self.environment():
            return settings_for(component, **overrides)

    def process_env(self) -> dict[str, str]:
        with self.environment():
            return dict(os.environ)

    def prepare(self, *components: str) -> subprocess.CompletedProcess:
        import sys

        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = {**self.process_env(), "PYTHONPATH": root, "LOG_LEVEL": "WARNING"}
        return subprocess.run([sys.executable, "-m", "deploy.prepare", *(components or self.components)],
                              cwd=root, env=env, capture_output=True, text=True, timeout=300)

    def drop(self) -> None:
        from deploy.database_roles import drop_component_database

        for name in self.components:
            with contextlib.suppress(Exception):
                drop_component_database(self.admin_url, self.role(name))
            subprocess.run(["rabbitmqctl", "-q", "delete_user", self.broker_user(name)], capture_output=True,
                           timeout=60)


@contextlib.contextmanager
def least_privilege_installation(pg_server: str, components: list[str] | None = None,
                                 *, prepare: bool = True) -> Iterator[Installation]:
    """A prepared installation on a fresh vhost, removed afterwards (databases, roles, users)."""
    from shared.config import COMPONENTS

    with rabbitmq_vhost() as amqp_url:
        inst = Installation(pg_server, amqp_url, list(components or COMPONENTS))
        try:
            if prepare:
                done = inst.prepare()
                if done.returncode != 0:
                    raise RuntimeError(f"deploy.prepare failed:\n{done.stdout}\n{done.stderr}")
            yield inst
        finally:
            inst.drop()
