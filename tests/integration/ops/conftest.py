"""Processes of the suite started as `make run` starts them (an API under gunicorn with
deploy/gunicorn.conf.py, a relay, a consumer), each with its own CRM_METRICS_PORT and a
log file, on scratch databases and a vhost of their own."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.config import settings_for
from shared.testing.fixtures import FAST_RETRIES, TEST_INTERNAL_SECRET
from shared.testing.servers import rabbitmq_vhost
from shared.testing.suite import free_port

ROOT = Path(__file__).resolve().parents[3]


class Process:
    """A process of the suite started here (its log in logdir), or attached to by its
    metrics port only (Process.attach: started by someone else, e.g. honcho)."""

    def __init__(self, name: str, cmd: list[str] | None, env: dict[str, str], logdir: Path | None,
                 metrics_port: int):
        self.name = name
        self.metrics_port = metrics_port
        self.proc: subprocess.Popen | None = None
        if cmd is None or logdir is None:
            return
        self.log_path = logdir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**env, "CRM_METRICS_PORT": str(metrics_port)},
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    @classmethod
    def attach(cls, name: str, metrics_port: int) -> Process:
        return cls(name, None, {}, None, metrics_port)

    def metrics(self, url: str | None = None) -> dict[tuple[str, frozenset], float]:
        """Every sample of the process's /metrics: {(name, labels): value}."""
        text = requests.get(url or f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text
        out: dict[tuple[str, frozenset], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                out[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return out

    def sample(self, name: str, url: str | None = None, **labels: str) -> float:
        """The sum of the samples of `name` whose labels include `labels` (0 when none)."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.metrics(url).items() if n == name and want <= set(ls))

    def log_lines(self) -> list[str]:
        self._log.flush()
        return [line for line in self.log_path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def json_lines(self) -> list[dict[str, Any]]:
        """Every line of the log, each of which must be one JSON object."""
        out = []
        for line in self.log_lines():
            try:
                out.append(json.loads(line))
            except ValueError:
                raise AssertionError(f"{self.name}: not a JSON line: {line!r}") from None
        return out

    def wait_metrics(self, timeout: float = 60, alive: subprocess.Popen | None = None) -> None:
        """Wait until the metrics port answers (while the process, or `alive`, runs)."""
        deadline = time.monotonic() + timeout
        watched = alive or self.proc
        while time.monotonic() < deadline:
            if watched is not None and watched.poll() is not None:
                raise RuntimeError(f"{self.name}: its process exited ({watched.returncode})")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2).ok:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: no metrics on port {self.metrics_port} within {timeout}s")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._log.close()


class Stack:
    """customer API (gunicorn, 2 workers) + customer relay + tracking consumer."""

    def __init__(self, scratch_db, amqp_url: str, logdir: Path):
        from services.customer.bootstrap import root as customer_root
        from services.tracking.bootstrap import root as tracking_root

        self.amqp_url = amqp_url
        self.customer = settings_for("customer", database_url=scratch_db("customer"), rabbitmq_url=amqp_url,
                                     retry_delays_ms=FAST_RETRIES, internal_secret=TEST_INTERNAL_SECRET)
        self.tracking = settings_for("tracking", database_url=scratch_db("tracking"), rabbitmq_url=amqp_url,
                                     retry_delays_ms=FAST_RETRIES, internal_secret=TEST_INTERNAL_SECRET)
        customer_root.migrate(self.customer)
        tracking_root.migrate(self.tracking)
        self.api_port = free_port()
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": str(ROOT), "RABBITMQ_URL": amqp_url, "CRM_INTERNAL_SECRET": TEST_INTERNAL_SECRET,
            "CUSTOMER_DATABASE_URL": self.customer.database_url, "TRACKING_DATABASE_URL": self.tracking.database_url,
            "CRM_RETRY_DELAYS_MS": ",".join(str(d) for d in FAST_RETRIES), "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "json", "WEB_CONCURRENCY": "2", "CRM_QUEUE_PROBE_S": "0.5",
        })
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.env = env
        self.logdir = logdir
        self.processes: list[Process] = []

    def start(self) -> None:
        env, logdir = self.env, self.logdir
        py = sys.executable
        gunicorn = str(Path(py).parent / "gunicorn")
        # the consumer first: its queue must be bound before the relay publishes
        self.consumer = self._start("tracking_consumer", [py, "-m", "services.tracking", "consumer"], env, logdir)
        self.consumer.wait_metrics()
        self.relay = self._start("customer_relay", [py, "-m", "services.customer", "relay"], env, logdir)
        self.api = self._start("customer_api", [gunicorn, "-c", "deploy/gunicorn.conf.py", "--bind",
                                                f"127.0.0.1:{self.api_port}",
                                                "services.customer.bootstrap:create_app()"], env, logdir)
        for process in (self.relay, self.api):
            process.wait_metrics()
        self.wait_api()

    def _start(self, name: str, cmd: list[str], env: dict[str, str], logdir: Path) -> Process:
        process = Process(name, cmd, env, logdir, free_port())
        self.processes.append(process)
        return process

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def wait_api(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.api_url}/healthz", timeout=2).ok:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"customer API not up: {self.api.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@pytest.fixture(scope="module")
def stack(scratch_db, tmp_path_factory) -> Iterator[Stack]:
    with rabbitmq_vhost() as amqp_url:
        running = Stack(scratch_db, amqp_url, tmp_path_factory.mktemp("ops-logs"))
        try:
            running.start()
            yield running
        finally:
            running.stop()
