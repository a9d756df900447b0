"""deploy/ensure-servers.sh on a machine without PostgreSQL and RabbitMQ (issue 18, item 5):
the script's path is driven with a PATH that holds neither server's commands, ports where
nothing answers, and a stand-in apt-get that records what it was asked to do."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "deploy" / "ensure-servers.sh"
TOOLS = ("bash", "seq", "sleep", "ls", "tr", "grep", "sed", "env", "cat", "dirname", "basename")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine(tmp_path: Path, *, uid: int, apt: bool, sudo: bool = False) -> dict[str, str]:
    """A PATH with the basic tools only, `id -u` answering uid, and optionally apt-get/sudo."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    stubs = {"id": f"#!/bin/sh\necho {uid}\n"}
    if apt:  # records its arguments; refuses to install (nothing is installed for real)
        stubs["apt-get"] = f'#!/bin/sh\necho "$*" >> {tmp_path}/apt.log\n[ "$1" = update ]\n'
    if sudo:
        stubs["sudo"] = f'#!/bin/sh\necho "sudo $*" >> {tmp_path}/apt.log\nexec "$@"\n'
    for name, text in stubs.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return {"PATH": str(bin_dir), "CRM_PG_PORT": str(closed_port()), "CRM_RABBITMQ_PORT": str(closed_port()),
            "HOME": str(tmp_path)}


def run(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("bash"), str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_missing_servers_are_installed_with_apt_get_as_root(tmp_path):
    done = run(machine(tmp_path, uid=0, apt=True))
    log = (tmp_path / "apt.log").read_text().splitlines()
    assert log == ["update -qq", "install -y -qq postgresql rabbitmq-server"]
    assert "installing postgresql rabbitmq-server" in done.stdout
    assert done.returncode == 1  # the stand-in installed nothing: the script stops there


def test_a_user_installs_through_sudo(tmp_path):
    run(machine(tmp_path, uid=1000, apt=True, sudo=True))
    log = (tmp_path / "apt.log").read_text().splitlines()
    assert log[:2] == ["sudo apt-get update -qq", "update -qq"]
    assert "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql rabbitmq-server" in log


def test_without_apt_get_the_message_names_the_packages(tmp_path):
    done = run(machine(tmp_path, uid=0, apt=False))
    assert done.returncode == 1
    assert "install the packages postgresql rabbitmq-server" in done.stderr


def test_without_root_or_sudo_it_says_so(tmp_path):
    done = run(machine(tmp_path, uid=1000, apt=True))
    assert done.returncode == 1 and "needs root" in done.stderr
    assert not (tmp_path / "apt.log").exists()

