"""The baseline for bench/sales_orders.py: a bare Flask endpoint that does one INSERT into
PostgreSQL per POST /orders (no validation, no events), run under the same gunicorn
settings as the sales API: gunicorn 'bench.sales_bare_app:create_app()' with
BARE_DATABASE_URL set. Run as a script (as `make bench` does) it only says so."""

from __future__ import annotations

import json
import os
import sys
import uuid

import sqlalchemy as sa
from flask import Flask, request


def create_app() -> Flask:
    engine = sa.create_engine(os.environ["BARE_DATABASE_URL"], pool_size=5, max_overflow=10)
    app = Flask("bare")

    @app.post("/orders")
    def create_order():
        oid = str(uuid.uuid4())
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO bare_orders (id, body) VALUES (:i, CAST(:b AS jsonb))"),
                         {"i": oid, "b": json.dumps(request.get_json())})
        return {"id": oid, "status": "pending"}, 201

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def create_table(url: str) -> None:
    """Run once before the workers start (the bench does)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bare_orders (id varchar(36) PRIMARY KEY, "
                             "body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"))
    engine.dispose()


if __name__ == "__main__":
    print("bench/sales_bare_app.py is the baseline server of bench/sales_orders.py; nothing to measure alone")
    sys.exit(0)
