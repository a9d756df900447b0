"""Write a new Alembic revision for a service by comparing its models with a scratch
database at the current head: `python -m shared.makemigration tracking "add x"`
(`gateway` for the gateway)."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from shared.config import pg_base_url
from shared.db import run_migrations
from shared.testing.servers import scratch_database


def migrations_dir(name: str) -> Path:
    root = Path(__file__).resolve().parent.parent
    return root / ("gateway" if name == "gateway" else f"services/{name}") / "migrations"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    name, message = argv
    mdir = migrations_dir(name)
    (mdir / "versions").mkdir(parents=True, exist_ok=True)
    with scratch_database(pg_base_url(), f"mk_{name}") as url:
        run_migrations(url, mdir)
        cfg = Config()
        cfg.set_main_option("script_location", str(mdir))
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        cfg.attributes["database_url"] = url
        command.revision(cfg, message=message, autogenerate=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
