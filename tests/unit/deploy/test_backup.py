"""Backup pieces without servers: the broker definitions kept, the vhost of a URL, count
comparison, the dumping order and the make targets."""

from __future__ import annotations

from pathlib import Path

from deploy.backup import ORDER, compare
from deploy.backup_parts import libpq, suite_definitions, vhost_of

ROOT = Path(__file__).resolve().parents[3]


def test_only_the_suites_vhost_and_users_are_kept():
    document = {
        "rabbitmq_version": "3.10.8",
        "users": [{"name": "crm-customer", "password_hash": "x"}, {"name": "guest"}, {"name": "other-app"}],
        "vhosts": [{"name": "/"}, {"name": "crm"}],
        "permissions": [{"user": "crm-customer", "vhost": "crm"}, {"user": "guest", "vhost": "/"}],
        "queues": [{"name": "customer.events", "vhost": "crm"}, {"name": "other", "vhost": "/"}],
        "exchanges": [{"name": "crm.events", "vhost": "crm"}],
        "bindings": [{"source": "crm.events", "vhost": "crm"}, {"source": "x", "vhost": "/"}],
        "policies": [], "parameters": [{"vhost": "/", "component": "shovel"}],
    }
    kept = suite_definitions(document, "crm", "crm-")
    assert [u["name"] for u in kept["users"]] == ["crm-customer"]
    assert kept["vhosts"] == [{"name": "crm"}]
    assert [q["name"] for q in kept["queues"]] == ["customer.events"]
    assert len(kept["bindings"]) == 1 and kept["parameters"] == [] and kept["rabbitmq_version"] == "3.10.8"
    assert kept["permissions"] == [{"user": "crm-customer", "vhost": "crm"}]


def test_vhost_of_an_amqp_url():
    assert vhost_of("amqp://u:p@127.0.0.1:5672/") == "/"
    assert vhost_of("amqp://u:p@127.0.0.1:5672/%2F") == "/"
    assert vhost_of("amqp://u:p@127.0.0.1:5672/crm-hq") == "crm-hq"
    assert vhost_of("amqp://u:p@127.0.0.1:5672") == "/"


def test_the_password_stays_off_the_command_line():
    dsn, env = libpq("postgresql+psycopg://crm_sales:s3cr%40t@127.0.0.1:5432/crm_sales")
    assert "s3cr" not in dsn and dsn.startswith("postgresql://crm_sales@127.0.0.1:5432/crm_sales")
    assert env["PGPASSWORD"] == "s3cr@t"


def test_counts_compare_tables_of_the_backup_only():
    assert compare({"customers": 3, "outbox": 9}, {"customers": 3, "outbox": 9, "new_table": 0}) == []
    assert compare({"customers": 3}, {"customers": 2}) == ["customers: 3 in the backup, 2 now"]
    assert compare({"customers": 3}, {}) == ["customers: 3 in the backup, None now"]


def test_consumers_are_dumped_before_their_producers():
    assert ORDER.index("tracking") < min(ORDER.index(n) for n in ("customer", "sales", "billing", "inventory"))
    assert ORDER[-1] == "gateway"


def test_make_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("backup:", "restore:", "backup-verify:"):
        assert f"\n{target}" in makefile
    assert "python -m deploy.backup restore $(FILE)" in makefile
