"""A tiny projection used by the messaging tests: handlers and tables of a fake service."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.consumer import HandlerTable, Reactions, newer_than_applied
from shared.envelope import Envelope
from shared.tables import add_messaging_tables

metadata = sa.MetaData()
add_messaging_tables(metadata)
probe = sa.Table(
    "probe", metadata,
    sa.Column("aggregate_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("applied", sa.Integer, nullable=False),
)


def apply_customer(conn: Connection, event: Envelope, _r: Reactions) -> None:
    if event.data.get("name") == "ALWAYS-FAILS":
        raise RuntimeError("this handler always fails for this customer")
    if not newer_than_applied(conn, "probe", event.aggregate_id, event.aggregate_seq):
        return
    conn.execute(
        sa.text(
            "INSERT INTO probe (aggregate_id, name, applied) VALUES (:a, :n, 1) "
            "ON CONFLICT (aggregate_id) DO UPDATE SET name = EXCLUDED.name, applied = probe.applied + 1"
        ),
        {"a": event.aggregate_id, "n": event.data["name"]},
    )


def handler_table() -> HandlerTable:
    table = HandlerTable()
    table.add("customer.customer.#", apply_customer, name="probe.apply_customer")
    return table


def run_consumer_process(settings, seconds: float) -> None:
    """Entry point for a consumer in a separate process (multiprocessing spawn)."""
    import threading

    from shared.consumer import Consumer
    from shared.db import make_engine

    consumer = Consumer(settings, make_engine(settings.database_url, kind="consumer"), handler_table(), batch=20)
    threading.Timer(seconds, consumer.stop).start()
    consumer.run()
