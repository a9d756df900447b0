"""Secrets: never a public default outside an explicit development mode.

Every process that signs or checks something (the gateway's JWT keys, the internal
identity secret shared by the gateway and the services) refuses to start when its secret
is missing, too short, or one of the development values printed in this repository,
unless `CRM_DEV_MODE=1` says explicitly that this is a throw-away development machine.

`make run` does not need the development mode: `python -m deploy.secrets` writes
per-installation random secrets once into `var/secrets.env` (ignored by git, mode 0600)
and the Makefile exports them to every process.
"""

from __future__ import annotations

import os
import secrets as _random

DEV_MODE_ENV = "CRM_DEV_MODE"
MIN_SECRET_LENGTH = 32

# Values that were (or are) written in this repository. A process refuses them outside
# development mode even when they are set explicitly.
DEV_INTERNAL_SECRET = "dev-internal-secret-change-me-0123456789"
DEV_JWT_SECRET = "dev-only-jwt-signing-secret-change-me-0123456789"
KNOWN_DEV_SECRETS = frozenset({
    DEV_INTERNAL_SECRET,
    DEV_JWT_SECRET,
    "change-me-internal-secret-0123456789",
    "change-me-jwt-secret-0123456789abcdef",
    "test-internal-secret-0123456789abcdef",
    "e2e-internal-secret-0123456789abcdef",
    "bench-internal-secret-0123456789abcdef",
    "bench-internal-secret-of-at-least-32-bytes",
    "bench-secret-bench-secret-bench-secret",
})


class InsecureConfiguration(ValueError):
    """A secret is missing or public: the process must not start."""


def dev_mode() -> bool:
    return os.environ.get(DEV_MODE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def new_secret() -> str:
    """A random secret of 43 URL-safe characters (256 bits)."""
    return _random.token_urlsafe(32)


def check_secret(name: str, value: str | None) -> str:
    """The secret when it may be used; InsecureConfiguration when it is missing, too
    short or a public development value (allowed only in development mode)."""
    hint = f"set {name} (run `python -m deploy.secrets` or `make run` to generate one)"
    if not value:
        raise InsecureConfiguration(f"{name} is not set: {hint}")
    if len(value) < MIN_SECRET_LENGTH:
        raise InsecureConfiguration(f"{name} is shorter than {MIN_SECRET_LENGTH} characters: {hint}")
    if value in KNOWN_DEV_SECRETS and not dev_mode():
        raise InsecureConfiguration(
            f"{name} is a public development value: {hint}, or set {DEV_MODE_ENV}=1 on a development machine")
    return value


def secret_from_env(name: str, dev_default: str) -> str:
    """The environment's value; the development default only in development mode; else ''
    (check_secret refuses it at start-up)."""
    value = os.environ.get(name) or ""
    if not value and dev_mode():
        return dev_default
    return value
