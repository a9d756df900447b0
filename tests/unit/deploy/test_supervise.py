"""The process supervisor of `make run`: a crashed process is restarted with back-off and
the others keep running; a stop signal stops it for good (Ctrl-C still ends the suite)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from deploy.supervise import Supervisor
from shared.testing.fixtures import eventually

ROOT = Path(__file__).resolve().parents[3]


def test_a_crashing_process_is_restarted_until_it_runs(tmp_path):
    counter = tmp_path / "runs"
    script = ("import pathlib, sys, time; p = pathlib.Path(sys.argv[1]); n = int(p.read_text() or 0) + 1 "
              "if p.exists() else 1; p.write_text(str(n)); sys.exit(3) if n < 3 else time.sleep(60)")
    sup = Supervisor("worker", [sys.executable, "-c", script, str(counter)], tmp_path / "run",
                     first_delay=0.05, max_delay=0.2)
    runner = threading.Thread(target=sup.run, daemon=True)
    runner.start()
    eventually(lambda: counter.exists() and counter.read_text() == "3", timeout=15)
    state = json.loads((tmp_path / "run" / "worker.json").read_text())
    assert state["state"] == "running" and state["restarts"] == 2 and state["last_exit"] is None
    sup.stop()
    runner.join(timeout=10)
    assert not runner.is_alive()
    assert json.loads((tmp_path / "run" / "worker.json").read_text())["state"] == "stopped"
    assert sup.child.poll() is not None


def test_kill_9_of_the_child_is_restarted_and_sigterm_stops_the_wrapper(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "deploy.supervise", "sleeper", "--", sys.executable, "-c",
                             "import time; time.sleep(60)"], cwd=ROOT, env={"CRM_RUN_DIR": str(tmp_path),
                                                                            "PATH": "/usr/bin:/bin"})
    try:
        state = tmp_path / "sleeper.json"
        first = eventually(lambda: state.exists() and json.loads(state.read_text())["pid"], timeout=15)
        subprocess.run(["kill", "-9", str(first)], check=True)
        second = eventually(lambda: (pid := json.loads(state.read_text())["pid"]) != first and
                            json.loads(state.read_text())["state"] == "running" and pid, timeout=15)
        assert second != first
        assert proc.poll() is None  # the wrapper (what honcho sees) never exited
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        eventually(lambda: json.loads(state.read_text())["state"] == "stopped", timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_every_procfile_line_is_supervised():
    for line in (ROOT / "deploy/Procfile").read_text().splitlines():
        name, command = line.split(":", 1)
        command = re.sub(r"^([A-Z_]+=\S+\s+)+", "", command.strip())  # settings of the line (CRM_METRICS_PORT=...)
        assert command.startswith(f".venv/bin/python -m deploy.supervise {name} -- "), line


def test_replicas_get_their_own_state_file_and_metrics_port():
    from deploy.supervise import replica

    assert replica("sales_api", {"CRM_METRICS_PORT": "9220"}) == ("sales_api", 9220)
    assert replica("sales_api", {"CRM_METRICS_PORT": "9220", "HONCHO_PROCESS_NAME": "sales_api.1"}) == \
        ("sales_api", 9220)
    assert replica("sales_api", {"CRM_METRICS_PORT": "9220", "HONCHO_PROCESS_NAME": "sales_api.3"}) == \
        ("sales_api.3", 9420)
    assert replica("sales_consumer", {"HONCHO_PROCESS_NAME": "sales_consumer.2"}) == ("sales_consumer.2", None)
    # another process's name (a wrapper started by hand inside a honcho process) is not a replica
    assert replica("sales_relay", {"CRM_METRICS_PORT": "9222", "HONCHO_PROCESS_NAME": "sales_api.2"}) == \
        ("sales_relay", 9222)


def test_make_run_scales_the_order_service_alone():
    makefile = (ROOT / "Makefile").read_text()
    assert "SALES_REPLICAS ?= 1" in makefile
    assert "-c sales_api=$(SALES_REPLICAS),sales_consumer=$(SALES_REPLICAS)" in makefile
    procfile = (ROOT / "deploy/Procfile").read_text()
    sales_api = next(line for line in procfile.splitlines() if line.startswith("sales_api:"))
    assert "GUNICORN_REUSE_PORT=${SALES_REUSE_PORT:-0}" in sales_api  # the replicas share port 8102
