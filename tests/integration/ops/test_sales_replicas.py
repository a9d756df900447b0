"""`make run SALES_REPLICAS=3`, as the Makefile runs it: honcho starts the sales API and
consumer lines of deploy/Procfile three times each (ports moved to free ones). The three
APIs share one port (SO_REUSEPORT) and all answer; each replica serves its metrics on its
own port (the line's + 100 per replica); the three consumers compete on sales.events; each
replica keeps its own supervisor state file."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from services.sales.bootstrap import root as sales_root
from shared.config import settings_for
from shared.testing.fixtures import FAST_RETRIES, TEST_INTERNAL_SECRET, eventually
from shared.testing.servers import rabbitmq_vhost
from shared.testing.suite import free_port
from tests.integration.ops.conftest import Process

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
REPLICAS = 3


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _metrics_base() -> int:
    """A port p with p, p+1, p+100, p+101, p+200, p+201 free (API and consumer replicas)."""
    for _ in range(200):
        base = free_port()
        if base + 301 < 65535 and all(_port_free(base + step + k) for step in (0, 100, 200) for k in (0, 1)):
            return base
    raise RuntimeError("no free block of ports")


def _procfile(tmp_path: Path, api_port: int, metrics_base: int) -> Path:
    lines = []
    for line in (ROOT / "deploy/Procfile").read_text().splitlines():
        name = line.split(":", 1)[0]
        if name not in ("sales_api", "sales_consumer"):
            continue
        line = line.replace("127.0.0.1:8102", f"127.0.0.1:{api_port}")
        offset = 0 if name == "sales_api" else 1
        line = re.sub(r"CRM_METRICS_PORT=\d+", f"CRM_METRICS_PORT={metrics_base + offset}", line)
        lines.append(line)
    assert len(lines) == 2
    path = tmp_path / "Procfile"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_three_sales_apis_share_the_port_and_three_consumers_compete(scratch_db, tmp_path):
    makefile = (ROOT / "Makefile").read_text()
    concurrency = re.search(r"start -c (\S+)", makefile).group(1).replace("$(SALES_REPLICAS)", str(REPLICAS))
    with rabbitmq_vhost() as amqp_url:
        settings = settings_for("sales", database_url=scratch_db("sales"), rabbitmq_url=amqp_url,
                                retry_delays_ms=FAST_RETRIES, internal_secret=TEST_INTERNAL_SECRET)
        sales_root.migrate(settings)
        api_port, base = free_port(), _metrics_base()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SALES_DATABASE_URL": settings.database_url,
               "RABBITMQ_URL": amqp_url, "CRM_INTERNAL_SECRET": TEST_INTERNAL_SECRET,
               "CRM_RETRY_DELAYS_MS": ",".join(map(str, FAST_RETRIES)), "CRM_RUN_DIR": str(tmp_path / "run"),
               "SALES_REUSE_PORT": "1", "LOG_FORMAT": "json", "LOG_LEVEL": "INFO", "CRM_QUEUE_PROBE_S": "0.5"}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        log = open(tmp_path / "honcho.log", "wb")  # noqa: SIM115 - closed below
        honcho = subprocess.Popen([str(Path(sys.executable).parent / "honcho"), "-d", str(ROOT), "-f",
                                   str(_procfile(tmp_path, api_port, base)), "start", "-c", concurrency],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            apis = [Process.attach(f"sales_api.{i + 1}", base + 100 * i) for i in range(REPLICAS)]
            consumers = [Process.attach(f"sales_consumer.{i + 1}", base + 1 + 100 * i) for i in range(REPLICAS)]
            for process in apis + consumers:
                process.wait_metrics(timeout=90, alive=honcho)

            for _ in range(30):  # a new connection each: the kernel spreads them over the listeners
                assert requests.get(f"http://127.0.0.1:{api_port}/healthz", timeout=10).status_code == 200
            served = [api.sample("crm_http_requests_total", service="sales", route="/healthz", status="200")
                      for api in apis]
            assert sum(served) == 30 and sum(1 for n in served if n) >= 2, served

            def three_consumers():
                return consumers[0].sample("crm_queue_consumers", queue="sales.events") == REPLICAS

            eventually(three_consumers, timeout=30)
            states = sorted(p.name for p in (tmp_path / "run").glob("*.json"))
            assert states == ["sales_api.2.json", "sales_api.3.json", "sales_api.json",
                              "sales_consumer.2.json", "sales_consumer.3.json", "sales_consumer.json"]
            assert all(json.loads(p.read_text())["state"] == "running" for p in (tmp_path / "run").glob("*.json"))
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(honcho.pid, signal.SIGTERM)
            try:
                honcho.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait(timeout=5)
            log.close()
            time.sleep(0.5)
