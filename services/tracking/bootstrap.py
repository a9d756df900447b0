"""Composition root of the tracking service."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from services.tracking import api, handlers
from shared.config import Settings
from shared.consumer import Consumer
from shared.logs import configure_logging
from shared.service import ServiceRoot


class TrackingRoot(ServiceRoot):
    """The shared root with larger consumer batches and a `rebuild` command."""

    def consumer(self, settings: Settings | None = None, **kw) -> Consumer:
        s = settings or self.settings()
        batch = int(kw.setdefault("batch", int(os.environ.get("TRACKING_BATCH", "200"))))
        # keep the next batch in flight while one is written (still bounded)
        ctx = self.context(s.with_(prefetch=max(s.prefetch, 4 * batch)), kind="consumer")
        return Consumer(ctx.settings, ctx.engine, self.handlers(), outbox=ctx.outbox, **kw)

    def rebuild(self, settings: Settings | None = None) -> int:
        from services.tracking.rebuild import rebuild
        from shared.db import make_engine

        engine = make_engine((settings or self.settings()).database_url)
        try:
            return rebuild(engine)
        finally:
            engine.dispose()

    def main(self, argv: list[str] | None = None) -> int:
        import sys

        args = sys.argv[1:] if argv is None else argv
        if args[:1] == ["rebuild"]:
            configure_logging(self.name)
            print(f"rebuilt read models from {self.rebuild()} events")
            return 0
        return super().main(args)


root = TrackingRoot(
    name="tracking",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
)


def create_app(settings: Settings | None = None) -> Flask:
    return root.create_app(settings)
