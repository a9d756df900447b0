"""`python -m gateway migrate|api|relay|declare`."""

from __future__ import annotations

import argparse
import os
import signal
import sys

if __name__ == "__main__" and sys.argv[1:2] == ["api"]:
    # gunicorn's multiprocess metrics: the directory before anything imports prometheus_client
    from deploy.gunicorn_hooks import multiprocess_dir

    multiprocess_dir()

from gateway import bootstrap  # noqa: E402 - after the metrics directory
from gateway.config import listen_address  # noqa: E402
from shared.logs import configure_logging  # noqa: E402
from shared.metrics import serve_process  # noqa: E402


def serve(host: str, port: int) -> None:
    """The API under gunicorn (gthread workers suit a proxy), with the same logging and
    metrics hooks as deploy/gunicorn.conf.py."""
    os.environ.setdefault("CRM_SERVICE_NAME", "gateway")
    from gunicorn.app.base import BaseApplication

    from deploy.gunicorn_hooks import gunicorn_hooks

    class GatewayApplication(BaseApplication):
        def load_config(self) -> None:
            hooks = gunicorn_hooks()
            for name in ("logger_class", "when_ready", "post_fork", "child_exit", "on_exit"):
                self.cfg.set(name, hooks[name])
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
    kind = args.command if args.command in ("api", "relay") else "tool"
    configure_logging("gateway", kind)
    if kind == "relay":
        serve_process("gateway", kind)  # on CRM_METRICS_PORT when set (the API: gunicorn's hooks)
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
