"""The dev overlay's secrets (deploy/k8s/overlays/dev): `python -m deploy.k8s_secrets [DIR]`.

Takes the per-installation secrets of `var/secrets.env` (generated first by deploy.secrets
when missing: the same values `make run` and docker-compose use) and splits them into one
env file per Kubernetes Secret under DIR (default deploy/k8s/overlays/dev/secrets, ignored
by git, mode 0600), for the overlay's secretGenerator:

- shared.env: CRM_INTERNAL_SECRET, CRM_JWT_KEYS (every process);
- <component>.env: that component's own CRM_DB_PASSWORD_<C> and CRM_BROKER_PASSWORD_<C>;
- admin.env: the dev servers' administrators and CRM_PG_ADMIN_URL (the prepare Job only).

Production does not use this: its Secrets come from `kubectl create secret` or a secret
store (deploy/k8s/README.md). Files are rewritten on every run from var/secrets.env.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from deploy.secrets import DEFAULT_FILE, ensure_secrets, read_env_file
from shared.config import COMPONENTS

DEFAULT_DIR = Path("deploy/k8s/overlays/dev/secrets")
PG_SERVICE = "postgres"  # the dev overlay's servers.yaml
RABBITMQ_ADMIN_USER = "crm-admin"


def secret_files(values: dict[str, str]) -> dict[str, dict[str, str]]:
    """File name -> variables, from the generated secrets."""
    files = {"shared.env": {k: values[k] for k in ("CRM_INTERNAL_SECRET", "CRM_JWT_KEYS")}}
    for name in COMPONENTS:
        upper = name.upper()
        files[f"{name}.env"] = {k: values[k] for k in (f"CRM_DB_PASSWORD_{upper}", f"CRM_BROKER_PASSWORD_{upper}")}
    admin_pg = values["CRM_PG_ADMIN_PASSWORD"]
    files["admin.env"] = {
        "CRM_PG_ADMIN_PASSWORD": admin_pg,
        "CRM_PG_ADMIN_URL": f"postgresql+psycopg://postgres:{admin_pg}@{PG_SERVICE}:5432/postgres",
        "CRM_RABBITMQ_ADMIN_USER": RABBITMQ_ADMIN_USER,
        "CRM_RABBITMQ_ADMIN_PASSWORD": values["CRM_RABBITMQ_ADMIN_PASSWORD"],
    }
    return files


def write_secret_files(directory: Path, source: Path = DEFAULT_FILE) -> list[Path]:
    ensure_secrets(source)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = []
    for file_name, variables in secret_files(read_env_file(source)).items():
        path = directory / file_name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("".join(f"{k}={v}\n" for k, v in variables.items()))
        os.chmod(path, 0o600)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else DEFAULT_DIR
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_FILE
    written = write_secret_files(directory, source)
    print(f"wrote {len(written)} secret files into {directory} (from {source})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
