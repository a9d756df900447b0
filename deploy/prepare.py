"""Prepare a machine for `make run`: create every component's database, run its
migrations, and declare the broker topology. Safe to run again."""

from __future__ import annotations

import sys
import time

from deploy.components import available, root_of
from shared.logs import configure_logging
from shared.topology import broker_reachable


def wait_for_broker(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not broker_reachable(url):
        if time.monotonic() > deadline:
            raise SystemExit(f"RabbitMQ does not answer at {url}")
        time.sleep(1)


def main() -> int:
    configure_logging("prepare")
    names = available()
    for name in names:
        root = root_of(name)
        settings = root.settings()
        print(f"migrating {name} ({settings.database_url.rsplit('/', 1)[-1]})", flush=True)
        root.migrate(settings)
    for name in names:
        root = root_of(name)
        settings = root.settings()
        if root.handlers().patterns:
            wait_for_broker(settings.rabbitmq_url)
            root.declare(settings)
            print(f"declared queue {settings.queue_name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
