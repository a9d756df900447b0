"""Prepare a machine for `make run`: each component's own database role and database,
its migrations run AS that role, each component's own broker user with its permissions,
and the broker topology. Safe to run again (`python -m deploy.prepare [component ...]`).

PostgreSQL: over the administrative connection CRM_PG_ADMIN_URL (default: the local
superuser, `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`, trust auth) the role
`<CRM_DB_PREFIX><name>` gets password CRM_DB_PASSWORD_<NAME> and database of the same name
that only it can connect to (deploy.database_roles). A component whose database URL is
given explicitly (`<NAME>_DATABASE_URL`, `CRM_PG_URL`) is migrated as that URL's user and
its roles are left alone.

RabbitMQ: users `<CRM_BROKER_USER_PREFIX><name>` with password CRM_BROKER_PASSWORD_<NAME>,
permissions and topic permissions on the vhost CRM_RABBITMQ_VHOST, and the exchanges, from
one definitions document imported with rabbitmqctl or, when CRM_RABBITMQ_MANAGEMENT_URL is
set, the management API (deploy.broker_users); the same document declares the exchanges
and every consumer's queues and bindings. Each component then logs in as its own user and
checks its queues exist. A component given RABBITMQ_URL or `<NAME>_RABBITMQ_URL` declares
its topology as that URL's user, as before.
"""

from __future__ import annotations

import sys
import time

from deploy import broker_users, database_roles
from deploy.components import COMPONENTS, available, root_of
from shared.config import (
    broker_password,
    broker_user,
    database_url_is_explicit,
    db_password,
    db_role,
    pg_admin_url,
    rabbitmq_url_is_explicit,
    rabbitmq_vhost,
    settings_for,
    url_user,
)
from shared.db import run_migrations
from shared.logs import configure_logging
from shared.topology import broker_reachable, consumer_topology


class PrepareError(SystemExit):
    pass


def wait_for_broker(url: str, seconds: float = 60) -> None:
    """Wait until the broker lets this URL's user in (a definitions import is asynchronous)."""
    deadline = time.monotonic() + seconds
    while not broker_reachable(url):
        if time.monotonic() > deadline:
            raise PrepareError(f"RabbitMQ does not answer or does not let {url_user(url)} in at "
                               f"{url.rsplit('@', 1)[-1]}")
        time.sleep(0.5)


def _required(value: str | None, variable: str) -> str:
    if not value:
        raise PrepareError(f"{variable} is not set: run `python -m deploy.secrets` (make prepare does) "
                           "or set it from your secret store")
    return value


def prepare_databases(names: list[str]) -> None:
    admin = pg_admin_url()
    for name in names:
        root = root_of(name)
        settings = root.settings()
        database = settings.database_url.rsplit("/", 1)[-1]
        if database_url_is_explicit(name):
            print(f"migrating {name} ({database}, as configured)", flush=True)
            root.migrate(settings)
            continue
        role = db_role(name)
        password = _required(db_password(name), f"CRM_DB_PASSWORD_{name.upper()}")
        database_roles.ensure_component_database(admin, role, password)
        print(f"migrating {name} ({database}, as role {role})", flush=True)
        run_migrations(settings.database_url, root.migrations_dir)


def broker_grants(names: list[str]) -> list[broker_users.BrokerGrant]:
    grants = []
    for name in names:
        if rabbitmq_url_is_explicit(name):
            continue
        password = _required(broker_password(name), f"CRM_BROKER_PASSWORD_{name.upper()}")
        root = root_of(name)
        settings = root.settings()
        patterns = root.handlers().patterns
        queue = settings.queue_name if patterns else None
        grants.append(broker_users.BrokerGrant(
            name, broker_user(name), password, queue,
            consumer_topology(settings, queue, patterns) if queue else None))
    return grants


def prepare_broker(names: list[str]) -> None:
    grants = broker_grants(names)
    if grants:
        settings = root_of(grants[0].component).settings()
        document = broker_users.definitions(
            rabbitmq_vhost(), grants, exchange=settings.exchange, dlx=settings.dead_letter_exchange,
            regions_exchange=settings.regions_exchange if settings.region_links else None)
        broker_users.admin_from_env().apply(document)
        print(f"broker users {', '.join(g.user for g in grants)} on vhost {rabbitmq_vhost()}", flush=True)
    for name in names:
        root = root_of(name)
        settings = root.settings()
        wait_for_broker(settings.rabbitmq_url)
        if root.handlers().patterns:  # the gateway only publishes
            root.declare(settings)
            done = "declared" if settings.declares_topology else "checked"
            print(f"{done} queue {settings.queue_name} as {settings.broker_user}", flush=True)


def main(argv: list[str] | None = None) -> int:
    configure_logging("prepare")
    wanted = list(argv if argv is not None else sys.argv[1:])
    unknown = [n for n in wanted if n not in COMPONENTS]
    if unknown:
        raise PrepareError(f"unknown component(s): {', '.join(unknown)} (known: {', '.join(COMPONENTS)})")
    names = [n for n in available() if not wanted or n in wanted]
    prepare_databases(names)
    prepare_broker(names)
    if not wanted or "tracking" in wanted:
        from deploy.regions import prepare_links

        for line in prepare_links(settings_for("tracking")):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
