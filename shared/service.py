"""What every service's composition root (bootstrap.py) has in common: settings, the
engine, the outbox, the Flask app, the consumer, the relay, migrations and the process
entry point `python -m services.<name> api|consumer|relay|migrate`."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app
from sqlalchemy.engine import Connection, Engine

from shared import write_keys
from shared.config import Settings, idempotency_ttl_s, settings_for
from shared.consumer import Consumer, HandlerTable
from shared.db import ensure_database, make_engine, ping, run_migrations, sessions_of
from shared.logs import configure_logging
from shared.metrics import WorkQuery, instrument_app, serve_process
from shared.outbox import Emitter, EventContext, Outbox
from shared.relay import Relay
from shared.secrets import check_secret
from shared.topology import broker_reachable, declare_all, queue_consumers
from shared.web import create_service_app, event_context


@dataclass
class ServiceContext:
    """What a request handler needs: settings, engine, outbox."""

    settings: Settings
    engine: Engine
    outbox: Outbox
    extras: dict = field(default_factory=dict)

    @contextmanager
    def transaction(self, events: EventContext) -> Iterator[tuple[Connection, Emitter]]:
        """A command's one transaction: the connection and an Emitter that writes the events
        it causes (in `events`' name) to the outbox in that same transaction."""
        with self.engine.begin() as conn:
            yield conn, Emitter(conn, self.outbox, events)


def service_context() -> ServiceContext:
    return current_app.extensions["crm"]


def request_emitter(conn: Connection) -> Emitter:
    """Outbox writes in conn's transaction for events caused by the current request:
    emit(event_type, aggregate_type=..., aggregate_id=..., data=...) and emit.many([...])."""
    return Emitter(conn, service_context().outbox, event_context())


@dataclass
class ServiceRoot:
    name: str
    migrations_dir: Path
    blueprints: Callable[[], Iterable[Blueprint]]
    handlers: Callable[[], HandlerTable]
    configure_app: Callable[[Flask, ServiceContext], None] | None = None
    # pending work the relay reports as metrics (crm_work_pending, crm_work_oldest_age_seconds)
    work_queries: tuple[WorkQuery, ...] = ()
    # the consumer's options for this service (batch size, prefetch): (settings, kwargs) ->
    # (settings, kwargs) before the consumer is built
    consumer_options: Callable[[Settings, dict], tuple[Settings, dict]] | None = None
    # extra command-line commands (`python -m services.<name> <command>`), or a service's own
    # version of a standard one (it may call root.run_standard(command) itself)
    commands: Mapping[str, Command] = field(default_factory=dict)
    # GET paths read without a user, through the gateway's public call (shared.web)
    public_prefixes: tuple[str, ...] = ()

    def settings(self, **overrides: object) -> Settings:
        return settings_for(self.name, **overrides)

    def context(self, settings: Settings | None = None, *, kind: str = "tool") -> ServiceContext:
        """Settings, an engine within the connection budget of the process kind
        (shared.db.pool_budget: api, consumer, relay, tool) and the outbox."""
        s = settings or self.settings()
        return ServiceContext(s, make_engine(s.database_url, kind=kind), Outbox(s.service, s.region))

    def create_app(self, settings: Settings | None = None) -> Flask:
        """The service's WSGI app; refuses to start without a usable internal secret."""
        s = settings or self.settings()
        check_secret("CRM_INTERNAL_SECRET", s.internal_secret)
        ctx = self.context(s, kind="api")

        app = create_service_app(
            self.name,
            internal_secret=ctx.settings.internal_secret,
            blueprints=self.blueprints(),
            readiness_checks=readiness_checks(ctx),
            extensions={"crm": ctx},
            public_prefixes=self.public_prefixes,
        )
        # a write repeated with its Idempotency-Key gets the first answer (shared.write_keys)
        write_keys.install(app, lambda: ctx.engine, idempotency_ttl_s())
        if self.configure_app:
            self.configure_app(app, ctx)
        from shared.copies import install_copy_wait
        from shared.openapi import register_openapi

        # read-your-writes across services (its LISTEN on the direct URL: PgBouncer-safe)
        install_copy_wait(app, lambda: ctx.engine, ctx.settings.direct_database_url)

        register_openapi(app, f"CRM {self.name} service")
        instrument_app(app, self.name)  # request counts and latency by route; /metrics
        return app

    def migrate(self, settings: Settings | None = None) -> None:
        s = settings or self.settings()
        ensure_database(s.database_url)
        run_migrations(s.database_url, self.migrations_dir)

    def declare(self, settings: Settings | None = None) -> None:
        s = settings or self.settings()
        declare_all(s, {s.queue_name: self.handlers().patterns})

    def consumer(self, settings: Settings | None = None, **kw) -> Consumer:
        s = settings or self.settings()
        if self.consumer_options:
            s, kw = self.consumer_options(s, dict(kw))
        ctx = self.context(s, kind="consumer")
        return Consumer(ctx.settings, ctx.engine, self.handlers(), outbox=ctx.outbox, **kw)

    def relay(self, settings: Settings | None = None, **kw) -> Relay:
        ctx = self.context(settings, kind="relay")
        kw.setdefault("work_queries", self.work_queries)
        return Relay(ctx.settings, ctx.engine, **kw)

    STANDARD_COMMANDS = ("api", "consumer", "relay", "migrate", "declare")

    def main(self, argv: list[str] | None = None) -> int:
        parser = argparse.ArgumentParser(prog=f"python -m services.{self.name}")
        parser.add_argument("command", choices=sorted({*self.STANDARD_COMMANDS, *self.commands}))
        parser.add_argument("--port", type=int, default=None)
        args = parser.parse_args(argv)
        if args.command in self.commands:
            return self.commands[args.command](self, args)
        return self.run_standard(args.command, port=args.port)

    def run_standard(self, command: str, *, port: int | None = None) -> int:
        """api, consumer, relay (long-running, with metrics on CRM_METRICS_PORT), migrate, declare."""
        kind = command if command in ("api", "consumer", "relay") else "tool"
        configure_logging(self.name, kind)
        if kind != "tool":
            serve_process(self.name, kind)  # on CRM_METRICS_PORT when set
        if command == "migrate":
            self.migrate()
            return 0
        if command == "declare":
            self.declare()
            return 0
        if command == "api":
            from werkzeug.serving import run_simple

            from shared.config import service_port

            run_simple("127.0.0.1", port or service_port(self.name), self.create_app(), threaded=True)
            return 0
        return run_until_signalled(self.consumer() if command == "consumer" else self.relay())


def readiness_checks(ctx: ServiceContext) -> dict[str, Callable[[], None]]:
    """What /readyz checks, each named for what is down: the database, the broker, the
    service's consumer (a consumer on its queue, asked of the broker) and its relay
    (sessions of the relay on its database)."""
    settings = ctx.settings

    def broker() -> None:
        if not broker_reachable(settings.rabbitmq_url):
            raise RuntimeError("broker unreachable")

    def consumer() -> None:
        try:
            count = queue_consumers(settings.rabbitmq_url, settings.queue_name)
        except Exception as exc:  # the broker check names an unreachable broker
            raise RuntimeError(f"cannot ask the broker: {type(exc).__name__}") from exc
        if count < 1:
            raise RuntimeError(f"no consumer on {settings.queue_name}: the {settings.service} consumer is down")

    return {"database": lambda: ping(ctx.engine), "broker": broker, "consumer": consumer,
            "relay": relay_check(ctx.engine, settings.service)}


def relay_check(engine: Engine, component: str) -> Callable[[], None]:
    def relay() -> None:
        if sessions_of(engine, "relay") < 1:
            raise RuntimeError(f"no session of the {component} relay on its database: the relay is down")
    return relay


def run_until_signalled(worker: Any) -> int:
    """Run a worker (anything with run() and stop()) until SIGTERM or SIGINT."""
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    worker.run()
    return 0


# An extra command: (root, parsed arguments) -> exit status.
Command = Callable[["ServiceRoot", argparse.Namespace], int]


def run_main(root: ServiceRoot) -> None:
    sys.exit(root.main())
