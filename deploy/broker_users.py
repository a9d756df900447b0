"""Each component's own RabbitMQ user (issue 11.2), made idempotently from one definitions
document (https://www.rabbitmq.com/definitions.html) that is imported with `rabbitmqctl
import_definitions` (the local broker, `make run`) or the management HTTP API
(`POST /api/definitions`, docker-compose, when CRM_RABBITMQ_MANAGEMENT_URL is set).

The document also declares the whole topology (exchanges, every consumer's queues and
bindings, shared.topology.consumer_topology) as the administrator, so a component needs
no configure right at all. What component `c` (queue `c.events`) may do on the vhost:
- configure: nothing (it cannot declare, change or delete any exchange or queue);
- write: `crm.events` (its relay publishes) and `crm.dlx` (its consumer's retries and
  dead letters); not the default exchange, which would reach any queue by name;
- read: `c.events` (consume) and `c.events.dlq` (the DLQ tool); no other queue;
- topic permissions on `crm.events`: publish only routing keys `^c\\.` (its own events);
  bind nothing.
The gateway only publishes: write `crm.events`, topic `^gateway\\.`, nothing else.
The users have no tags (no management access). Passwords are stored as salted SHA-256
hashes in the document, never in clear.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

import requests

from shared.topology import Topology, dlq_name

HASHING = "rabbit_password_hashing_sha256"


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's internal password hash: base64(salt + sha256(salt + password))."""
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode()


@dataclass(frozen=True)
class BrokerGrant:
    """One component's broker user, what it may do, and its consumer's queues (if any)."""

    component: str
    user: str
    password: str
    queue: str | None = None  # its consumer's queue; None: it only publishes
    topology: Topology | None = None

    def permissions(self, exchange: str, dlx: str) -> dict[str, str]:
        ex, dl = re.escape(exchange), re.escape(dlx)
        if self.queue is None:
            return {"configure": "^$", "write": f"^{ex}$", "read": "^$"}
        own = f"({re.escape(self.queue)}|{re.escape(dlq_name(self.queue))})"
        return {"configure": "^$", "write": f"^({ex}|{dl})$", "read": f"^{own}$"}

    def topic_permissions(self) -> dict[str, str]:
        return {"write": rf"^{re.escape(self.component)}\.", "read": "^$"}


def definitions(vhost: str, grants: Iterable[BrokerGrant], *, exchange: str = "crm.events",
                dlx: str = "crm.dlx", regions_exchange: str | None = None) -> dict:
    """The definitions document: vhost, exchanges, queues, bindings, users, permissions
    (and, at head office, the exchange the branches' shovels publish to)."""
    grants = list(grants)
    extra = [] if not regions_exchange else [
        {"name": regions_exchange, "vhost": vhost, "type": "topic", "durable": True, "auto_delete": False,
         "internal": False, "arguments": {}}]
    queues, bindings = [], []
    for g in grants:
        if g.topology is None:
            continue
        queues += [{"name": name, "vhost": vhost, "durable": True, "auto_delete": False, "arguments": args}
                   for name, args in g.topology.queues]
        bindings += [{"source": source, "vhost": vhost, "destination": name, "destination_type": "queue",
                      "routing_key": key, "arguments": {}} for source, name, key in g.topology.bindings]
    return {
        "vhosts": [{"name": vhost}],
        "exchanges": [
            {"name": exchange, "vhost": vhost, "type": "topic", "durable": True, "auto_delete": False,
             "internal": False, "arguments": {}},
            {"name": dlx, "vhost": vhost, "type": "direct", "durable": True, "auto_delete": False,
             "internal": False, "arguments": {}},
            *extra,
        ],
        "queues": queues,
        "bindings": bindings,
        "users": [{"name": g.user, "password_hash": password_hash(g.password), "hashing_algorithm": HASHING,
                   "tags": []} for g in grants],
        "permissions": [{"user": g.user, "vhost": vhost, **g.permissions(exchange, dlx)} for g in grants],
        "topic_permissions": [{"user": g.user, "vhost": vhost, "exchange": exchange, **g.topic_permissions()}
                              for g in grants],
    }


class RabbitmqctlAdmin:
    """Imports definitions with rabbitmqctl (CRM_RABBITMQCTL names the command). The
    import is asynchronous: callers wait until the users can log in."""

    def __init__(self, command: str | None = None):
        self.command = shlex.split(command or os.environ.get("CRM_RABBITMQCTL") or "rabbitmqctl")
        if not shutil.which(self.command[0]):
            raise RuntimeError(f"{self.command[0]} is not on the PATH: set CRM_RABBITMQCTL, or "
                               "CRM_RABBITMQ_MANAGEMENT_URL to use the management API")

    def apply(self, document: dict) -> None:
        result = subprocess.run([*self.command, "-q", "import_definitions", "--format", "json"],
                                input=json.dumps(document).encode(), capture_output=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(
                f"rabbitmqctl import_definitions failed: {result.stderr.decode(errors='replace').strip()}\n"
                "(rabbitmqctl needs the broker's Erlang cookie: set CRM_RABBITMQCTL='sudo rabbitmqctl', or "
                "CRM_RABBITMQ_MANAGEMENT_URL with CRM_RABBITMQ_ADMIN_USER/PASSWORD to use the management API)")

    def delete_user(self, user: str) -> None:
        subprocess.run([*self.command, "-q", "delete_user", user], capture_output=True, timeout=60)


class ManagementApiAdmin:
    """Imports definitions through the management plugin's HTTP API."""

    def __init__(self, base_url: str, user: str, password: str):
        self.base_url = base_url.rstrip("/")
        self.auth = (user, password)

    def apply(self, document: dict, *, wait_s: float = 90) -> None:
        """POST the document; waits while the plugin is not answering yet (it starts after
        the broker's AMQP port)."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                r = requests.post(f"{self.base_url}/api/definitions", json=document, auth=self.auth, timeout=60)
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
                continue
            if r.status_code == 503 and time.monotonic() < deadline:
                time.sleep(1)
                continue
            if r.status_code not in (200, 201, 204):
                raise RuntimeError(f"management API refused the definitions: {r.status_code} {r.text[:300]}")
            return

    def delete_user(self, user: str) -> None:
        requests.delete(f"{self.base_url}/api/users/{urllib.parse.quote(user, safe='')}", auth=self.auth,
                        timeout=30)


def admin_from_env() -> RabbitmqctlAdmin | ManagementApiAdmin:
    url = os.environ.get("CRM_RABBITMQ_MANAGEMENT_URL")
    if url:
        return ManagementApiAdmin(url, os.environ.get("CRM_RABBITMQ_ADMIN_USER") or "guest",
                                  os.environ.get("CRM_RABBITMQ_ADMIN_PASSWORD") or "guest")
    return RabbitmqctlAdmin()
