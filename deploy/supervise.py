"""Keep one process of the suite running: `python -m deploy.supervise NAME -- COMMAND...`.

`make run` starts every process under honcho, which ends the whole suite as soon as one
process exits: a crashed consumer would take the gateway down with it. Each Procfile line
therefore runs its command under this wrapper, which restarts the command when it dies
(exit code or signal) with exponential back-off (1 s doubling to 30 s, back to 1 s after a
minute of healthy running), logs every exit, and calls out a crash loop (5 exits within
two minutes). SIGINT/SIGTERM (Ctrl-C in honcho) are passed on to the command, and the
wrapper exits once it has stopped, so Ctrl-C still stops everything.

Each wrapper writes its state to `var/run/<NAME>.json` (running / restarting, restarts,
last exit) for `make status` and for operators.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

from shared.logs import configure_logging

log = logging.getLogger("crm.supervise")

FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
HEALTHY_AFTER_S = 60.0
LOOP_WINDOW_S = 120.0
LOOP_EXITS = 5
STOP_GRACE_S = 15.0


class Supervisor:
    def __init__(self, name: str, command: list[str], state_dir: Path, *, first_delay: float = FIRST_DELAY_S,
                 max_delay: float = MAX_DELAY_S, healthy_after: float = HEALTHY_AFTER_S):
        self.name = name
        self.command = command
        self.state_file = state_dir / f"{name}.json"
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.healthy_after = healthy_after
        self.child: subprocess.Popen | None = None
        self.stopping = False
        self.restarts = 0
        self.exits: deque[float] = deque()

    def _write_state(self, state: str, last_exit: int | None = None) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        doc = {"name": self.name, "state": state, "pid": self.child.pid if self.child else None,
               "restarts": self.restarts, "last_exit": last_exit, "at": time.time()}
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc))
        tmp.replace(self.state_file)

    def stop(self, signum: int = signal.SIGTERM) -> None:
        self.stopping = True
        if self.child and self.child.poll() is None:
            self.child.send_signal(signum)

    def run(self) -> int:
        delay = self.first_delay
        while True:
            started = time.monotonic()
            self.child = subprocess.Popen(self.command)
            self._write_state("running")
            code = self.child.wait()
            if self.stopping:
                self._write_state("stopped", code)
                return 0
            now = time.monotonic()
            if now - started >= self.healthy_after:
                delay = self.first_delay
            self.exits.append(now)
            while self.exits and now - self.exits[0] > LOOP_WINDOW_S:
                self.exits.popleft()
            how = f"signal {-code}" if code < 0 else f"code {code}"
            if len(self.exits) >= LOOP_EXITS:
                log.error("%s is crash-looping (%d exits in %.0f s; last: %s); restarting in %.0f s",
                          self.name, len(self.exits), LOOP_WINDOW_S, how, delay)
            else:
                log.warning("%s exited with %s after %.1f s; restarting in %.1f s",
                            self.name, how, now - started, delay)
            self.restarts += 1
            self._write_state("restarting", code)
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and not self.stopping:
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
            if self.stopping:
                self._write_state("stopped", code)
                return 0
            delay = min(self.max_delay, delay * 2)


REPLICA_PORT_STEP = 100


def replica(name: str, env: dict[str, str]) -> tuple[str, int | None]:
    """For replica N of a process (honcho's `-c NAME=N` names them NAME.1, NAME.2, ... in
    HONCHO_PROCESS_NAME): the name its state file goes by (NAME for the first, NAME.N for
    the others) and the metrics port it serves on (CRM_METRICS_PORT + 100 x (N - 1), so
    sales_api replicas use 9220, 9320, 9420); None when the line sets no port."""
    instance = 1
    given = env.get("HONCHO_PROCESS_NAME", "")
    head, _, tail = given.rpartition(".")
    if head == name and tail.isdigit() and int(tail) > 0:
        instance = int(tail)
    raw = env.get("CRM_METRICS_PORT", "").strip()
    port = int(raw) + REPLICA_PORT_STEP * (instance - 1) if raw.isdigit() else None
    return (name if instance == 1 else f"{name}.{instance}"), port


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") != 1 or len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    name, command = argv[0], argv[2:]
    configure_logging(name.split("_", 1)[0], "supervise")  # JSON lines (LOG_FORMAT=text: readable)
    state_name, port = replica(name, dict(os.environ))
    if port is not None:
        os.environ["CRM_METRICS_PORT"] = str(port)  # the command inherits it
    supervisor = Supervisor(state_name, command, Path(os.environ.get("CRM_RUN_DIR", "var/run")))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda s, _f: supervisor.stop(s))
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
