"""The services work behind PgBouncer in transaction pooling mode (README, "Connection
budget"): with CRM_PGBOUNCER=1 no server-side prepared statement is used (a query run
many times would otherwise be prepared on one server session and missing on the next),
and the relay's LISTEN goes to the direct URL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from shared.testing.clients import ServiceClient, new_user
from shared.testing.fixtures import eventually

PGBOUNCER = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
pytestmark = pytest.mark.skipif(PGBOUNCER is None, reason="needs pgbouncer (make test installs Debian's)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def bouncer(tmp_path_factory, service_settings):
    settings = service_settings("customer")
    tmp_path = tmp_path_factory.mktemp("pgbouncer")
    # PgBouncer refuses to run as root: as root (CI) it drops to the postgres user, which must
    # be able to read its configuration and write its log
    as_root = os.geteuid() == 0
    if as_root:
        for parent in [tmp_path, *tmp_path.parents]:
            if parent == Path(tempfile.gettempdir()):
                break
            parent.chmod(parent.stat().st_mode | 0o711)
        tmp_path.chmod(0o777)
    url = make_url(settings.database_url)
    port = free_port()
    (tmp_path / "users.txt").write_text(f'"{url.username}" ""\n')
    (tmp_path / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"{url.database} = host={url.host} port={url.port or 5432} dbname={url.database}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = trust\nauth_file = {tmp_path / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 50\n"
        f"unix_socket_dir =\nlogfile = {tmp_path / 'pgbouncer.log'}\npidfile = {tmp_path / 'pgbouncer.pid'}\n"
        "ignore_startup_parameters = extra_float_digits,options\n")
    for name in ("users.txt", "pgbouncer.ini"):
        (tmp_path / name).chmod(0o644)
    command = [PGBOUNCER, *(["-u", "postgres"] if as_root else []), str(tmp_path / "pgbouncer.ini")]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        raise RuntimeError("pgbouncer did not start: " + (tmp_path / "pgbouncer.log").read_text()[-500:])
    try:
        yield settings, url.set(port=port, host="127.0.0.1").render_as_string(hide_password=False)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_customer_service_works_through_pgbouncer(bouncer, monkeypatch, run_in_thread):
    from services.customer.bootstrap import root

    settings, bounced = bouncer
    monkeypatch.setenv("CRM_PGBOUNCER", "1")
    through = settings.with_(database_url=bounced, direct_database_url=settings.database_url)
    app = root.create_app(through)
    try:
        client = ServiceClient(app, new_user("admin"), settings.internal_secret)
        ids = []
        for i in range(25):  # the same statements again and again: no prepared statement may leak
            created = client.post("/customers", json={"name": f"连接池客户 {i}"})
            assert created.status_code == 201, created.get_json()
            ids.append(created.get_json()["id"])
            assert client.get(f"/customers/{ids[-1]}").status_code == 200
        assert client.get("/customers", query_string={"per_page": 50}).get_json()["total"] == 25
        relay = run_in_thread(root.relay(through))
        eventually(lambda: relay.published >= 25, timeout=20)
    finally:
        app.extensions["crm"].engine.dispose()
