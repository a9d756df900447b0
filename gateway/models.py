"""The gateway's own tables: users, sessions, failed logins, idempotency keys (+ the outbox)."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from shared.tables import add_messaging_tables

metadata = sa.MetaData()
add_messaging_tables(metadata)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("username", sa.String(150), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("full_name", sa.String(200), nullable=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("manager_id", sa.String(36), sa.ForeignKey("users.id"), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("region", sa.String(40), nullable=True),
    # a generated first-admin password: every call but /auth/* answers 403 until it is changed
    sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("ux_users_username_lower", sa.func.lower(sa.column("username")), unique=True),
    sa.Index("ix_users_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_users_manager", "manager_id"),
)

# The portal's per-user settings: language, saved list views, chosen columns (one JSON
# document per user, replaced field by field by PUT /api/v1/preferences).
user_preferences = sa.Table(
    "user_preferences", metadata,
    sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("data", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

# One row per login. The refresh token is stored only as its SHA-256 (refresh_hash: the
# current one); each refresh replaces it. Every request's access token names its session
# (sid), so a revoked session (revoked_at set) stops its access tokens at once.
sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("refresh_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_reason", sa.String(40), nullable=True),
    sa.Column("user_agent", sa.String(300), nullable=True),
    sa.Column("address", sa.String(64), nullable=True),
    sa.Index("ux_sessions_refresh_hash", "refresh_hash", unique=True),
    sa.Index("ix_sessions_user_live", "user_id", postgresql_where=sa.text("revoked_at IS NULL")),
    sa.Index("ix_sessions_expires", "expires_at"),
)

# Refresh tokens already used (rotated away): presenting one again means two parties hold
# the session's tokens (theft), and the whole session is revoked. Kept while the session lives.
retired_refresh_tokens = sa.Table(
    "retired_refresh_tokens", metadata,
    sa.Column("refresh_hash", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("ix_retired_refresh_session", "session_id"),
)

login_failures = sa.Table(
    "login_failures", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("username", sa.String(150), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Index("ix_login_failures_username", "username", "failed_at"),
    sa.Index("ix_login_failures_address", "address", "failed_at"),
    sa.Index("ix_login_failures_pair", "username", "address", "failed_at"),
)

request_counters = sa.Table(
    "request_counters", metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("window_start", sa.BigInteger, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys", metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("state", sa.String(12), nullable=False),  # in_flight | done
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("headers", JSONB, nullable=True),
    sa.Column("body", sa.LargeBinary, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    # the gateway worker holding an in-flight claim (gateway/liveness.py)
    sa.Column("owner", sa.BigInteger, nullable=True),
    sa.Index("ix_idempotency_created", "created_at"),
)
