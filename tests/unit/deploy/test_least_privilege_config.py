"""What deploy.prepare grants each component on the broker, and what docker-compose hands
each process (issue 11.2). No servers needed (the compose checks need Debian's
docker-compose and skip without it)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from deploy import prepare
from deploy.broker_users import BrokerGrant, ManagementApiAdmin, definitions, password_hash
from deploy.secrets import ensure_secrets
from shared.config import COMPONENTS, SERVICES, settings_for
from shared.topology import consumer_topology

ROOT = Path(__file__).resolve().parents[3]


def grant(component: str, patterns: tuple[str, ...] = ("gateway.user.#",)) -> BrokerGrant:
    settings = settings_for(component)
    queue = settings.queue_name if patterns else None
    return BrokerGrant(component, f"crm-{component}", "pw", queue,
                       consumer_topology(settings, queue, patterns) if queue else None)


def allowed(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None  # RabbitMQ matches like re.search


def test_a_service_user_may_write_only_the_two_exchanges_and_read_only_its_queues():
    perms = grant("customer").permissions("crm.events", "crm.dlx")
    assert not any(allowed(perms["configure"], n) for n in ("customer.events", "crm.events", "spy", "amq.default"))
    assert [n for n in ("crm.events", "crm.dlx", "amq.default", "customer.events", "sales.events", "crm.eventsx")
            if allowed(perms["write"], n)] == ["crm.events", "crm.dlx"]
    readable = ("customer.events", "customer.events.dlq", "customer.events.retry.1", "sales.events",
                "sales.events.dlq", "customer.eventsx", "xcustomer.events", "crm.events")
    assert [n for n in readable if allowed(perms["read"], n)] == ["customer.events", "customer.events.dlq"]


def test_topic_permissions_allow_only_the_components_own_event_types():
    for component in COMPONENTS:
        topic = grant(component).topic_permissions()
        for owner in COMPONENTS:
            key = f"{owner}.thing.happened.v1"
            assert allowed(topic["write"], key) is (owner == component), (component, key)
        assert not allowed(topic["write"], f"{component}x.thing.happened.v1")
        assert topic["read"] == "^$"


def test_the_gateway_only_publishes():
    perms = grant("gateway", ()).permissions("crm.events", "crm.dlx")
    assert perms == {"configure": "^$", "write": r"^crm\.events$", "read": "^$"}


def test_definitions_declare_the_topology_and_users_without_clear_passwords():
    grants = [grant("gateway", ()), grant("customer"), grant("tracking", ("#",))]
    doc = definitions("/", grants)
    assert {x["name"] for x in doc["exchanges"]} == {"crm.events", "crm.dlx"}
    queues = {q["name"]: q["arguments"] for q in doc["queues"]}
    assert queues["customer.events"]["x-dead-letter-exchange"] == "crm.dlx"
    assert {"customer.events.dlq", "tracking.events", "tracking.events.retry.1"} <= set(queues)
    bindings = {(b["source"], b["destination"], b["routing_key"]) for b in doc["bindings"]}
    assert ("crm.events", "customer.events", "gateway.user.#") in bindings
    assert ("crm.events", "tracking.events", "#") in bindings
    assert ("crm.dlx", "customer.events", "customer.events.replay") in bindings
    assert ("crm.dlx", "customer.events.retry.1", "customer.events.retry.1") in bindings
    assert not any(b["destination"].startswith("gateway") for b in doc["bindings"])
    assert all(u["tags"] == [] for u in doc["users"])
    assert '"pw"' not in json.dumps(doc)


def test_password_hash_is_rabbitmqs_salted_sha256():
    raw = base64.b64decode(password_hash("s3cret", salt=b"\x01\x02\x03\x04"))
    assert raw[:4] == b"\x01\x02\x03\x04" and raw[4:] == hashlib.sha256(b"\x01\x02\x03\x04s3cret").digest()
    assert password_hash("s3cret") != password_hash("s3cret")  # a fresh salt each time


def test_management_api_receives_the_definitions_as_the_administrator():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Authorization"], json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        doc = definitions("crm", [grant("customer")])
        ManagementApiAdmin(f"http://127.0.0.1:{server.server_port}/", "crm-admin", "adm").apply(doc)
    finally:
        server.shutdown()
    assert received == [("/api/definitions", "Basic " + base64.b64encode(b"crm-admin:adm").decode(), doc)]


def test_prepare_refuses_to_make_a_role_without_a_password(monkeypatch):
    for name in ("CUSTOMER_DATABASE_URL", "CRM_PG_URL", "CRM_DB_PASSWORD_CUSTOMER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit, match="CRM_DB_PASSWORD_CUSTOMER"):
        prepare.main(["customer"])
    with pytest.raises(SystemExit, match="unknown component"):
        prepare.main(["nosuch"])


# ---- docker-compose -------------------------------------------------------------------
def test_compose_has_no_default_administrator_password_and_no_shared_app_login():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "guest" not in text and "postgres:postgres@" not in text
    assert not re.search(r"POSTGRES_PASSWORD:\s*postgres\b", text)
    assert "RABBITMQ_URL" not in text and "CRM_PG_URL" not in text


needs_compose = pytest.mark.skipif(not shutil.which("docker-compose"), reason="Debian's docker-compose is not installed")


def compose_config(env_file: Path | None) -> subprocess.CompletedProcess:
    args = ["docker-compose", "-f", str(ROOT / "docker-compose.yml")]
    if env_file is not None:
        args += ["--env-file", str(env_file)]
    return subprocess.run([*args, "config"], capture_output=True, text=True, cwd=ROOT)


def service_blocks(rendered: str) -> dict[str, str]:
    services = ("\n" + rendered).split("\nservices:\n", 1)[1]
    services = re.split(r"^\S", services, maxsplit=1, flags=re.M)[0]
    parts = re.split(r"^  ([a-z_]+):\n", services, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@needs_compose
def test_compose_refuses_to_start_without_the_secrets(tmp_path):
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = compose_config(empty)
    assert result.returncode != 0 and "CRM_" in result.stderr


@needs_compose
def test_compose_hands_each_process_only_its_own_passwords(tmp_path):
    env_file = tmp_path / "secrets.env"
    ensure_secrets(env_file)
    result = compose_config(env_file)
    assert result.returncode == 0, result.stderr
    blocks = service_blocks(result.stdout)
    secrets = re.compile(r"^\s+(CRM_(?:DB|BROKER)_PASSWORD_[A-Z]+|CRM_PG_ADMIN\w*|CRM_RABBITMQ_ADMIN\w*):", re.M)
    for name, block in blocks.items():
        component = name.split("_")[0]
        found = set(secrets.findall(block))
        if component in ("gateway", *SERVICES):
            assert found == {f"CRM_DB_PASSWORD_{component.upper()}", f"CRM_BROKER_PASSWORD_{component.upper()}"}, name
        elif name == "migrate":
            assert {"CRM_PG_ADMIN_URL", "CRM_RABBITMQ_ADMIN_PASSWORD"} <= found
    assert "POSTGRES_PASSWORD" in blocks["postgres"] and "RABBITMQ_DEFAULT_PASS" in blocks["rabbitmq"]
