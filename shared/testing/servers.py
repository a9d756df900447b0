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


@contextlib.contextmanager
def scratch_database(server_url: str, label: str) -> Iterator[str]:
    """A database that exists for the block only."""
    url = f"{server_url}/crmtest_{label}_{uuid.uuid4().hex[:8]}"
    ensure_database(url)
    try:
        yield url
    finally:
        drop_database(url)
