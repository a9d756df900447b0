"""Notifications from events: the plan (domain.notices) resolved to users and stored
once per (user, dedupe key), so redelivery and rebuilds add nothing twice."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.tracking.domain.notices import PATTERNS, Notice, plan
from services.tracking.domain.periods import parse_event_time
from shared.consumer import HandlerTable, Reactions
from shared.envelope import Envelope

_MANAGERS_SQL = sa.text(
    "WITH RECURSIVE chain(id, manager_id, depth) AS ("
    " SELECT id, manager_id, 0 FROM acl_users WHERE id = :uid"
    " UNION ALL SELECT u.id, u.manager_id, c.depth + 1 FROM acl_users u JOIN chain c ON u.id = c.manager_id"
    " WHERE c.depth < 20)"
    " SELECT c.id FROM chain c JOIN acl_users u ON u.id = c.id"
    " WHERE c.depth > 0 AND u.active AND u.role IN ('manager', 'admin')"
)
_ROLE_SQL = sa.text("SELECT id FROM acl_users WHERE role = :role AND active ORDER BY id LIMIT 500")
_ADMINS_SQL = sa.text("SELECT id FROM acl_users WHERE role = 'admin' AND active ORDER BY id LIMIT 50")
_INSERT = sa.text(
    "INSERT INTO notifications (id, user_id, kind, dedupe_key, event_id, customer_id, subject_type, subject_id, "
    "message, message_zh, created_at) VALUES (:id, :user_id, :kind, :key, :event_id, :customer_id, :subject_type, "
    ":subject_id, :message, :message_zh, :created_at) ON CONFLICT DO NOTHING"
)


def recipients(conn: Connection, notice: Notice, actor_id: str | None = None) -> list[str]:
    """Who gets the notice; with not_actor, never the actor (the creator of a held order
    may not approve it, so it is not asked to: the managers above, else the admins)."""
    skip = {actor_id} if notice.not_actor and actor_id else set()
    if notice.user_id:
        return [] if notice.user_id in skip else [notice.user_id]
    if notice.managers_of:
        managers = [r[0] for r in conn.execute(_MANAGERS_SQL, {"uid": notice.managers_of}) if r[0] not in skip]
        return managers or [r[0] for r in conn.execute(_ADMINS_SQL) if r[0] not in skip]
    if notice.role:
        return [r[0] for r in conn.execute(_ROLE_SQL, {"role": notice.role})]
    return []


def on_notifiable(conn: Connection, event: Envelope, r: Reactions) -> None:
    here = r.outbox.region if r is not None else ""
    if here and event.region and event.region != here:
        return  # a branch's event at head office: the branch notifies its own users (issue 18)
    notices = plan(event.event_type, event.event_id, event.aggregate_id, event.data or {})
    created_at = parse_event_time(None, event.occurred_at)
    rows = []
    for notice in notices:
        for user_id in dict.fromkeys(recipients(conn, notice, event.actor_id)):
            rows.append({
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"crm-notification:{user_id}:{notice.dedupe_key}")),
                "user_id": user_id, "kind": notice.kind, "key": notice.dedupe_key, "event_id": event.event_id,
                "customer_id": event.customer_id, "subject_type": notice.subject_type,
                "subject_id": notice.subject_id, "message": notice.message, "message_zh": notice.message_zh,
                "created_at": created_at,
            })
    if rows:
        conn.execute(_INSERT, rows)


def notification_handlers() -> HandlerTable:
    table = HandlerTable()
    for pattern in PATTERNS:
        table.add(pattern, on_notifiable, name="tracking.notify")
    return table
