"""The process supervisor of `make run`: a crashed process is restarted with back-off and
the others keep running; a stop signal stops it for good (Ctrl-C still ends the suite)."""

from __future__ import annotations

import json
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
        assert command.strip().startswith(f".venv/bin/python -m deploy.supervise {name} -- "), line
