"""Tracking's own tables."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from shared.tables import add_messaging_tables
from shared.visibility import add_visibility_tables

metadata = sa.MetaData()
add_messaging_tables(metadata)
add_visibility_tables(metadata)

events = sa.Table(
    "events", metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("service", sa.String(40), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("region", sa.String(40), nullable=True),
    sa.Column("customer_id", sa.String(36), nullable=True),
    sa.Column("actor_id", sa.String(36), nullable=True),
    sa.Column("aggregate_type", sa.String(60), nullable=False),
    sa.Column("aggregate_id", sa.String(64), nullable=False),
    sa.Column("aggregate_seq", sa.BigInteger, nullable=False),
    sa.Column("correlation_id", sa.String(64), nullable=True),
    sa.Column("causation_id", sa.String(36), nullable=True),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("summary_zh", sa.Text, nullable=True),
    sa.Column("data", JSONB, nullable=False),
    sa.Index("ix_events_customer_time", "customer_id", sa.text("occurred_at DESC"), sa.text("seq DESC")),
    sa.Index("ix_events_actor_time", "actor_id", sa.text("occurred_at DESC"), sa.text("seq DESC")),
    sa.Index("ix_events_time", sa.text("occurred_at DESC"), sa.text("seq DESC")),
    sa.Index("ix_events_type_time", "event_type", sa.text("occurred_at DESC")),
)
