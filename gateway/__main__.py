"""`python -m gateway migrate|api|relay|declare`."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from gateway import bootstrap
from gateway.config import listen_address
from shared.logs import configure_logging


def serve(host: str, port: int) -> None:
    """The API under gunicorn (gthread workers suit a proxy)."""
    from gunicorn.app.base import BaseApplication

    class GatewayApplication(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", int(os.environ.get("GATEWAY_WORKERS", "2")))
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", int(os.environ.get("GATEWAY_THREADS", "8")))
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("control_socket_disable", True)  # several gunicorns run side by side
            self.cfg.set("accesslog", os.environ.get("GATEWAY_ACCESS_LOG") or None)

        def load(self):
            return bootstrap.create_app()

    GatewayApplication().run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway")
    parser.add_argument("command", choices=["api", "relay", "migrate", "declare"])
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--host", default=None)
    args = parser.parse_args(argv)
    configure_logging("gateway")
    if args.command == "migrate":
        bootstrap.migrate()
        return 0
    if args.command == "declare":
        from shared.topology import declare_all

        declare_all(bootstrap.root.settings(), {})  # the gateway only publishes
        return 0
    if args.command == "api":
        host, port = listen_address()
        serve(args.host or host, args.port or port)
        return 0
    worker = bootstrap.root.relay()
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    worker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
