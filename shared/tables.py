"""Tables every service has in its own database: outbox, inbox, aggregate sequences,
projection versions, write keys. Each service adds them to its MetaData with add_messaging_tables()."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


def add_messaging_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    outbox = sa.Table(
        "outbox", metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("routing_key", sa.String(200), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Index("ix_outbox_pending", "id", postgresql_where=sa.text("sent_at IS NULL")),
    )
    aggregate_sequences = sa.Table(
        "aggregate_sequences", metadata,
        sa.Column("aggregate_type", sa.String(60), primary_key=True),
        sa.Column("aggregate_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )
    inbox = sa.Table(
        "inbox", metadata,
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("handler", sa.String(120), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    projection_versions = sa.Table(
        "projection_versions", metadata,
        sa.Column("projection", sa.String(60), primary_key=True),
        sa.Column("aggregate_id", sa.String(64), primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
    )
    # the answers to writes sent with an Idempotency-Key (shared.write_keys)
    write_keys = sa.Table(
        "write_keys", metadata,
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Index("ix_write_keys_created", "created_at"),
    )
    return {
        "write_keys": write_keys,
        "outbox": outbox,
        "aggregate_sequences": aggregate_sequences,
        "inbox": inbox,
        "projection_versions": projection_versions,
    }
