"""Start the whole suite as a user starts it (every API under gunicorn, every consumer
and relay, the gateway) on scratch databases and a given vhost, on free ports; used by
the end-to-end tests and the benchmarks."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from shared.config import SERVICES
from shared.secrets import new_secret

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Suite:
    def __init__(self, pg_server: str, amqp_url: str, *, label: str = "e2e", web_workers: int = 1,
                 extra_env: dict[str, str] | None = None, supervised: bool = True):
        self.pg_server = pg_server
        self.amqp_url = amqp_url
        self.label = label
        self.web_workers = web_workers
        self.extra_env = extra_env or {}
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.metrics_ports: dict[str, int] = {}  # process name -> its CRM_METRICS_PORT
        self.ports = {name: free_port() for name in ("gateway", *SERVICES)}
        # campaign mailings go to this port (a test starts its own SMTP server there; with
        # none listening, sending a quote answers 503 mail_failed as before)
        self.smtp_port = free_port()
        self.databases = {name: f"{pg_server}/crm{label}_{name}_{os.getpid()}_{int(time.time())}"
                          for name in ("gateway", *SERVICES)}
        self.logdir = ROOT / "var" / "log" / label
        # the document store of this suite (shared.storage), removed with its databases
        self.document_dir = ROOT / "var" / "documents" / f"{label}_{os.getpid()}_{int(time.time())}"
        self.admin_password = "admin-pass-Ω1"
        self.internal_secret = new_secret()
        self.jwt_keys = f"e2e1:{new_secret()}"
        # as `make run` runs them: every process under deploy.supervise (restarted when it
        # dies); each wrapper's state (the command's pid, restarts) in run_dir/<name>.json
        self.supervised = supervised
        self.run_dir = ROOT / "var" / "run" / f"{label}_{os.getpid()}_{int(time.time())}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": str(ROOT),
            "RABBITMQ_URL": self.amqp_url,
            "CRM_INTERNAL_SECRET": self.internal_secret,
            "CRM_JWT_KEYS": self.jwt_keys,
            "CRM_ADMIN_USERNAME": "admin",
            "CRM_ADMIN_PASSWORD": self.admin_password,
            "CRM_RETRY_DELAYS_MS": "200,500,1000",
            "GATEWAY_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(self.ports["gateway"]),
            "WEB_CONCURRENCY": str(self.web_workers),
            "LOG_LEVEL": "WARNING",
            # every e2e login comes from 127.0.0.1: the per-address lock must not trip
            "CRM_LOGIN_MAX_FAILURES_ADDR": "100000",
            # tests and benchmarks drive one user far faster than a person (the shipped
            # default, 1,200 a minute, is proved by tests/integration/gateway)
            "CRM_USER_RATE_LIMIT": "1000000",
            # cheap password hashing keeps the many test logins fast (argon2 still)
            "CRM_ARGON2_TIME_COST": "1",
            "CRM_ARGON2_MEMORY_KIB": "1024",
            "CRM_ARGON2_PARALLELISM": "1",
            # task reminders fire within a second (the shipped pass is every 5 s)
            "CRM_REMINDER_POLL_S": "0.5",
            "CRM_DOCUMENT_DIR": str(self.document_dir),
            # the service orders' overdue check: every 2 s, so a test sees its notification soon
            "CRM_SERVICE_OVERDUE_CHECK_S": "2",
            # webhooks to the tests' local receivers (http://127.0.0.1), retried within seconds
            "CRM_WEBHOOK_ALLOW_LOOPBACK": "1",
            "CRM_WEBHOOK_RETRY_BASE_S": "0.2",
            "CRM_WEBHOOK_RETRY_MAX_S": "1",
            "CRM_WEBHOOK_POLL_S": "0.2",
            "CRM_RUN_DIR": str(self.run_dir),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp_port),
            "SMTP_FROM": "market@crm.test",
            "CRM_CAMPAIGN_MAIL_RATE": "50",
            "CRM_PUBLIC_URL": self.url,
        })
        for name, url in self.databases.items():
            env[f"{name.upper()}_DATABASE_URL"] = url
        for name in SERVICES:
            env[f"{name.upper()}_URL"] = f"http://127.0.0.1:{self.ports[name]}"
        env.update(self.extra_env)
        return env

    def _commands(self) -> list[tuple[str, list[str]]]:
        py = sys.executable
        gunicorn = str(Path(py).parent / "gunicorn")
        cmds = [("gateway", [gunicorn, "-c", "deploy/gunicorn.conf.py", "--bind",
                             f"127.0.0.1:{self.ports['gateway']}", "gateway.bootstrap:create_app()"]),
                ("gateway_relay", [py, "-m", "gateway", "relay"])]
        for name in SERVICES:
            cmds += [
                (f"{name}_api", [gunicorn, "-c", "deploy/gunicorn.conf.py", "--bind",
                                 f"127.0.0.1:{self.ports[name]}", f"services.{name}.bootstrap:create_app()"]),
                (f"{name}_consumer", [py, "-m", f"services.{name}", "consumer"]),
                (f"{name}_relay", [py, "-m", f"services.{name}", "relay"]),
            ]
        # the webhook delivery worker (services/tracking/webhooks/worker.py)
        cmds.append(("tracking_webhooks", [py, "-m", "services.tracking", "webhooks"]))
        return cmds

    def prepare(self) -> None:
        subprocess.run([sys.executable, "-m", "deploy.prepare"], cwd=ROOT, env=self.env(), check=True,
                       capture_output=True, timeout=300)

    def start(self, timeout: float = 90) -> None:
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.prepare()
        env = self.env()
        for name, cmd in self._commands():
            if self.supervised:
                cmd = [sys.executable, "-m", "deploy.supervise", name, "--", *cmd]
            log = open(self.logdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
            # every process serves its metrics on a port of its own (deploy/observability/)
            self.metrics_ports[name] = free_port()
            proc = subprocess.Popen(cmd, cwd=ROOT, env={**env, "CRM_METRICS_PORT": str(self.metrics_ports[name])},
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            self.procs.append((name, proc))
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for name, proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.logdir / (name + '.log')}")
                state = self.state(name) if self.supervised else None
                if state and state.get("restarts", 0) >= 2:  # a command that dies at start
                    raise RuntimeError(f"{name} keeps exiting ({state}); see {self.logdir / (name + '.log')}")
            try:
                r = requests.get(f"{self.url}/readyz", timeout=3)
                if r.status_code == 200:
                    return
                last = r.text
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.5)
        raise RuntimeError(f"suite not ready within {timeout}s: {last}")

    # ---- the processes under their supervisors (fault tests) -------------------------
    def state(self, name: str) -> dict | None:
        """The supervisor's state of a process (deploy.supervise): state, pid, restarts."""
        try:
            return json.loads((self.run_dir / f"{name}.json").read_text())
        except (OSError, ValueError):
            return None

    def pid(self, name: str) -> int:
        """The pid of the command a supervisor runs now (not the supervisor's own)."""
        if not self.supervised:
            return dict(self.procs)[name].pid
        state = self.state(name)
        if not state or not state.get("pid"):
            raise RuntimeError(f"{name}: no supervisor state in {self.run_dir}")
        return int(state["pid"])

    def kill(self, name: str, sig: int = signal.SIGKILL, *, tree: bool = True) -> int:
        """Send sig to a process's command (and, with tree, to every descendant of it, as a
        crashed container loses all of them); its supervisor restarts it. Returns the pid."""
        pid = self.pid(name)
        for target in ([*descendants(pid), pid] if tree else [pid]):
            with contextlib.suppress(ProcessLookupError):
                os.kill(target, sig)
        return pid

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 60) -> float:
        """Seconds until the supervisor runs a new command for name."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            state = self.state(name) or {}
            if state.get("state") == "running" and state.get("pid") not in (None, old_pid):
                return time.monotonic() - started
            time.sleep(0.1)
        raise RuntimeError(f"{name} was not restarted within {timeout}s: {self.state(name)}")

    def stop(self) -> None:
        for _name, proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.procs.clear()

    def drop_databases(self) -> None:
        from shared.testing.servers import drop_databases

        shutil.rmtree(self.run_dir, ignore_errors=True)
        drop_databases(list(self.databases.values()))  # side by side: one by one a suite's six took 19 s
        shutil.rmtree(self.document_dir, ignore_errors=True)


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


@contextlib.contextmanager
def running_suite(pg_server: str, amqp_url: str, **kw) -> Iterator[Suite]:
    suite = Suite(pg_server, amqp_url, **kw)
    try:
        suite.start()
        yield suite
    finally:
        suite.stop()
        suite.drop_databases()


NO_REFRESH_PATHS = ("/auth/login", "/auth/refresh", "/auth/logout")


class ApiClient:
    """Calls the public API through the gateway as one logged-in user. Access tokens live
    15 minutes: a client that logged in (and so holds the refresh token) refreshes once on
    a 401 and retries. A client made from a bare token does not (copies of one refresh
    token used side by side would look like a stolen token and end the session)."""

    def __init__(self, base_url: str, token: str | None = None, user: dict | None = None,
                 refresh_token: str | None = None):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.session = requests.Session()
        self.token = token
        self.refresh_token = refresh_token
        self.user = user or {}
        self._refresh_lock = threading.Lock()

    @classmethod
    def login(cls, base_url: str, username: str, password: str) -> ApiClient:
        client = cls(base_url)
        r = client.session.post(f"{client.base}/auth/login", json={"username": username, "password": password},
                                timeout=10)
        r.raise_for_status()
        client.token = r.json()["access_token"]
        client.refresh_token = r.json().get("refresh_token")
        client.user = client.get("/auth/me").json()
        return client

    def refresh(self, failed_token: str | None = None) -> bool:
        """New tokens for the refresh token (once per expired access token, whichever
        thread notices first). False when the session has ended."""
        with self._refresh_lock:
            if failed_token is not None and self.token != failed_token:
                return True  # another thread refreshed already
            if not self.refresh_token:
                return False
            r = self.session.post(f"{self.base}/auth/refresh", json={"refresh_token": self.refresh_token},
                                  timeout=10)
            if r.status_code != 200:
                return False
            self.token, self.refresh_token = r.json()["access_token"], r.json()["refresh_token"]
            return True

    def request(self, method: str, path: str, **kw) -> requests.Response:
        headers = dict(kw.pop("headers", None) or {})
        kw.setdefault("timeout", 30)
        sent_token = self.token
        explicit = "Authorization" in headers
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        response = self.session.request(method, self.base + path, headers=headers, **kw)
        if (response.status_code == 401 and not explicit and sent_token and self.refresh_token
                and path.split("?")[0] not in NO_REFRESH_PATHS and self.refresh(sent_token)):
            headers["Authorization"] = f"Bearer {self.token}"
            response = self.session.request(method, self.base + path, headers=headers, **kw)
        return response

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw) -> requests.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw) -> requests.Response:
        return self.request("DELETE", path, **kw)

    def create_user(self, role: str, *, manager_id: str | None = None, password: str = "pass-word-1",
                    username: str | None = None, full_name: str | None = None) -> ApiClient:
        """As an admin: create a user and return a client logged in as them."""
        import uuid

        username = username or f"{role}_{uuid.uuid4().hex[:8]}"
        body = {"username": username, "password": password, "full_name": full_name or f"{role} {username[-4:]}",
                "role": role}
        if manager_id:
            body["manager_id"] = manager_id
        r = self.post("/users", json=body)
        assert r.status_code == 201, r.text
        return ApiClient.login(self.base[: -len("/api/v1")], username, password)
