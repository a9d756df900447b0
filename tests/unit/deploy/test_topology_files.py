"""The files that describe the topology stay consistent with each other."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from deploy.secrets import ensure_secrets
from shared.config import SERVICE_PORTS, SERVICES

ROOT = Path(__file__).resolve().parents[3]


def test_procfile_starts_every_process_of_every_service():
    procfile = (ROOT / "deploy/Procfile").read_text()
    names = {line.split(":", 1)[0] for line in procfile.splitlines() if line.strip()}
    expected = {"gateway", "gateway_relay"}
    for s in SERVICES:
        expected |= {f"{s}_api", f"{s}_consumer", f"{s}_relay"}
    assert expected <= names
    for s, port in SERVICE_PORTS.items():
        assert f"127.0.0.1:{port} 'services.{s}.bootstrap:create_app()'" in procfile


def test_compose_file_has_every_process():
    compose = (ROOT / "docker-compose.yml").read_text()
    for s in SERVICES:
        for kind in ("api", "consumer", "relay"):
            assert f"  {s}_{kind}:" in compose


def _compose_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                          capture_output=True, text=True, env={**clean, **env})


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="Debian's docker-compose is not installed")
def test_compose_file_is_valid_with_its_secrets_and_refused_without(tmp_path):
    # the file has no default secrets: validate it with a generated set, as a deployment would
    env_file = tmp_path / "secrets.env"
    ensure_secrets(env_file)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    result = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "--env-file", str(env_file),
                             "config", "-q"], capture_output=True, text=True, env=clean)
    assert result.returncode == 0, result.stderr
    refused = _compose_config({})  # no public default: compose refuses to start without them
    assert refused.returncode != 0 and "Missing mandatory value" in refused.stderr
