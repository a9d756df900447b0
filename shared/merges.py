"""Merging duplicate customers: the part every service does alike (issue 17).

The customer service merges a duplicate into a survivor in one transaction and publishes
customer.customer.merged (the duplicate's tombstone snapshot with merge_id and survivor_id);
undoing it publishes customer.customer.merge_undone. Every other service applies them here:

- merged: each table of the service that hangs off a customer re-points the duplicate's rows
  to the survivor, and remembers which rows it moved in merge_moves (merge_id, table, row id);
- merge_undone: exactly the rows moved by that merge go back to the duplicate, and with them
  the rows that follow a moved row (`follows`: an invoice issued after the merge on an order
  that was the duplicate's goes back with its order). Rows made for the survivor after the
  merge stay with it.

Idempotent: the consumer's inbox makes a redelivery a no-op, and both handlers are guarded by
the duplicate's aggregate_seq (an undo overtaking its merge on a retry makes the late merge a
no-op, instead of moving the rows for good)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.consumer import HandlerTable, Reactions, newer_than_applied
from shared.envelope import Envelope

MERGED = "customer.customer.merged"
UNDONE = "customer.customer.merge_undone"


def add_merge_table(metadata: sa.MetaData) -> sa.Table:
    """merge_moves: which rows of which table a merge moved to the survivor."""
    return sa.Table(
        "merge_moves", metadata,
        sa.Column("merge_id", sa.String(36), primary_key=True),
        sa.Column("table_name", sa.String(60), primary_key=True),
        sa.Column("row_id", sa.String(64), primary_key=True),
    )


@dataclass(frozen=True)
class Moved:
    """A table whose rows belong to a customer by customer_column, named by id_column (a text
    column; several rows may share an id: order lines move by their order). follows: (table, column) — on undo,
    rows whose column names a row moved from that table go back too."""
    table: str
    id_column: str = "id"
    customer_column: str = "customer_id"
    follows: tuple[str, str] | None = None


def move_to_survivor(conn: Connection, merge_id: str, duplicate_id: str, survivor_id: str,
                     targets: Sequence[Moved]) -> dict[str, int]:
    """Re-point every row of the duplicate to the survivor; how many ids moved per table."""
    counts: dict[str, int] = {}
    for t in targets:
        moved = conn.execute(sa.text(
            f"WITH moved AS (UPDATE {t.table} SET {t.customer_column} = :s WHERE {t.customer_column} = :d "
            f"RETURNING {t.id_column} AS row_id) "
            "INSERT INTO merge_moves (merge_id, table_name, row_id) "
            "SELECT DISTINCT :m, :t, CAST(row_id AS varchar) FROM moved ON CONFLICT DO NOTHING RETURNING 1"
        ), {"s": survivor_id, "d": duplicate_id, "m": merge_id, "t": t.table}).all()
        counts[t.table] = len(moved)
    return counts


def _moved_ids(conn: Connection, merge_id: str, table: str) -> list[str]:
    return list(conn.execute(sa.text("SELECT row_id FROM merge_moves WHERE merge_id = :m AND table_name = :t"),
                             {"m": merge_id, "t": table}).scalars())


def move_back(conn: Connection, merge_id: str, duplicate_id: str, survivor_id: str,
              targets: Sequence[Moved]) -> dict[str, int]:
    """Undo move_to_survivor: the moved rows (still on the survivor) and the rows that follow
    them go back to the duplicate; how many rows went back per table. The moved ids are read
    first and given as an array (a join with merge_moves, fresh rows without statistics, was
    planned as a loop over all the survivor's rows per moved id: seconds for a few thousand)."""
    counts: dict[str, int] = {}
    for t in targets:
        ids = _moved_ids(conn, merge_id, t.table)
        follow_ids = _moved_ids(conn, merge_id, t.follows[0]) if t.follows else []
        moved = 0
        for column, values in ((t.id_column, ids), (t.follows[1] if t.follows else "", follow_ids)):
            if values:
                moved += conn.execute(sa.text(
                    f"UPDATE {t.table} SET {t.customer_column} = :d "
                    f"WHERE {column} = ANY(CAST(:ids AS varchar[])) AND {t.customer_column} = :s"),
                    {"d": duplicate_id, "s": survivor_id, "ids": values}).rowcount
        counts[t.table] = moved
    return counts


After = Callable[[Connection, str, str], None]  # (conn, duplicate_id, survivor_id), after either move


def merge_handlers(service: str, targets: Sequence[Moved], after: After | None = None) -> HandlerTable:
    """The service's handlers of customer.customer.merged / .merge_undone over its tables;
    after: what the service recomputes for both customers once rows moved (e.g. sums)."""

    def apply(conn: Connection, event: Envelope, undo: bool) -> None:
        d = event.data
        if not newer_than_applied(conn, f"{service}.merge", d["id"], event.aggregate_seq):
            return
        step = move_back if undo else move_to_survivor
        step(conn, d["merge_id"], d["id"], d["survivor_id"], targets)
        if after is not None:
            after(conn, d["id"], d["survivor_id"])

    def on_merged(conn: Connection, event: Envelope, _r: Reactions) -> None:
        apply(conn, event, undo=False)

    def on_undone(conn: Connection, event: Envelope, _r: Reactions) -> None:
        apply(conn, event, undo=True)

    table = HandlerTable()
    table.add(MERGED, on_merged, name=f"{service}.merge")
    table.add(UNDONE, on_undone, name=f"{service}.merge_undo")
    return table
