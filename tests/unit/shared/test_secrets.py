"""No public secret is ever accepted outside an explicit development mode (issue 11.1)."""

from __future__ import annotations

import os
import stat

import pytest

from deploy.secrets import GENERATORS, ensure_secrets, read_env_file
from shared.config import COMPONENTS
from shared.secrets import (
    DEV_INTERNAL_SECRET,
    DEV_JWT_SECRET,
    KNOWN_DEV_SECRETS,
    InsecureConfiguration,
    check_secret,
    new_secret,
    secret_from_env,
)


@pytest.fixture
def no_dev_mode(monkeypatch):
    monkeypatch.delenv("CRM_DEV_MODE", raising=False)


@pytest.mark.parametrize("value", ["", None, "short-secret"])
def test_missing_or_short_secret_refused(no_dev_mode, value):
    with pytest.raises(InsecureConfiguration):
        check_secret("CRM_INTERNAL_SECRET", value)


@pytest.mark.parametrize("value", sorted(KNOWN_DEV_SECRETS))
def test_every_public_value_refused_outside_dev_mode(no_dev_mode, value):
    with pytest.raises(InsecureConfiguration, match="public development value"):
        check_secret("CRM_INTERNAL_SECRET", value)


def test_dev_mode_must_be_explicit(monkeypatch):
    monkeypatch.setenv("CRM_DEV_MODE", "1")
    assert check_secret("CRM_INTERNAL_SECRET", DEV_INTERNAL_SECRET) == DEV_INTERNAL_SECRET
    monkeypatch.delenv("CRM_INTERNAL_SECRET", raising=False)
    assert secret_from_env("CRM_INTERNAL_SECRET", DEV_INTERNAL_SECRET) == DEV_INTERNAL_SECRET
    monkeypatch.setenv("CRM_DEV_MODE", "0")
    assert secret_from_env("CRM_INTERNAL_SECRET", DEV_INTERNAL_SECRET) == ""


def test_random_secret_accepted(no_dev_mode):
    value = new_secret()
    assert len(value) >= 32 and check_secret("X", value) == value
    assert new_secret() != value


def test_settings_have_no_default_internal_secret(no_dev_mode, monkeypatch):
    from shared.config import settings_for

    monkeypatch.delenv("CRM_INTERNAL_SECRET", raising=False)
    assert settings_for("customer").internal_secret == ""


def test_gateway_config_refuses_missing_or_public_jwt_keys(no_dev_mode, monkeypatch):
    from gateway.config import DEV_JWT_KEYS, GatewayConfig

    monkeypatch.delenv("CRM_JWT_KEYS", raising=False)
    with pytest.raises(InsecureConfiguration, match="CRM_JWT_KEYS"):
        GatewayConfig()
    monkeypatch.setenv("CRM_JWT_KEYS", DEV_JWT_KEYS)
    with pytest.raises(InsecureConfiguration, match="public development value"):
        GatewayConfig()
    monkeypatch.setenv("CRM_JWT_KEYS", f"k1:{new_secret()},dev1:{DEV_JWT_SECRET}")  # hidden among good ones
    with pytest.raises(InsecureConfiguration):
        GatewayConfig()
    good = new_secret()
    monkeypatch.setenv("CRM_JWT_KEYS", f"k1:{good}")
    assert GatewayConfig().jwt_keys == {"k1": good}


def test_service_refuses_to_start_with_public_secret(no_dev_mode):
    from services.billing.bootstrap import root

    for secret in ("", DEV_INTERNAL_SECRET, "too-short"):
        settings = root.settings(internal_secret=secret, database_url="postgresql+psycopg://nobody@127.0.0.1:1/x")
        with pytest.raises(InsecureConfiguration):
            root.create_app(settings)


def test_weak_first_admin_password_refused(no_dev_mode):
    from gateway.bootstrap import first_admin_password
    from gateway.config import GatewayConfig

    config = GatewayConfig(jwt_keys={"k": new_secret()}, admin_password="admin")
    with pytest.raises(InsecureConfiguration, match="CRM_ADMIN_PASSWORD"):
        first_admin_password(config)
    with pytest.raises(InsecureConfiguration):
        first_admin_password(config.with_(admin_password="password123"))  # long enough, but common
    assert first_admin_password(config.with_(admin_password="Str0ng-enough-pw")) == ("Str0ng-enough-pw", False)
    generated, must_change = first_admin_password(config.with_(admin_password=None))
    assert must_change and len(generated) >= 16


def test_local_secrets_file_generated_once(tmp_path):
    path = tmp_path / "var" / "secrets.env"
    assert set(ensure_secrets(path)) == set(GENERATORS)
    # every component's own database role and broker user get a password (issue 11.2)
    assert {f"CRM_DB_PASSWORD_{c.upper()}" for c in COMPONENTS} <= set(GENERATORS)
    assert {f"CRM_BROKER_PASSWORD_{c.upper()}" for c in COMPONENTS} <= set(GENERATORS)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    first = read_env_file(path)
    assert ensure_secrets(path) == [] and read_env_file(path) == first  # never regenerated
    check_secret("CRM_INTERNAL_SECRET", first["CRM_INTERNAL_SECRET"])
    kid, _, key = first["CRM_JWT_KEYS"].partition(":")
    assert kid and check_secret("CRM_JWT_KEYS", key)
    # a value a newer version needs is added, the others stay
    path.write_text("\n".join(line for line in path.read_text().splitlines()
                              if not line.startswith("CRM_JWT_KEYS")) + "\n")
    assert ensure_secrets(path) == ["CRM_JWT_KEYS"]
    assert read_env_file(path)["CRM_INTERNAL_SECRET"] == first["CRM_INTERNAL_SECRET"]
