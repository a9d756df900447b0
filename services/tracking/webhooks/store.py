"""The webhook commands and queries behind api/webhooks.py: register, change, remove,
the delivery log and redelivery. A webhook belongs to the user who registered it (its
owner); the owner and admins may see and change it, nobody else learns it exists (404)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.tracking.domain.webhooks import BadTarget
from services.tracking.models import webhook_attempts, webhook_deliveries, webhooks
from services.tracking.webhooks.targets import check_target
from shared.errors import NotFound, ValidationFailed
from shared.identity import Principal

DELIVERY_STATUSES = ("pending", "delivered", "failed")


def check_url(url: str, allow_loopback: bool) -> str:
    try:
        check_target(url, allow_loopback=allow_loopback)
    except BadTarget as exc:
        raise ValidationFailed("the webhook URL is refused", details={"url": [str(exc)]}) from None
    return url.strip()


def register(conn: Connection, me: Principal, body: dict[str, Any], *, allow_loopback: bool) -> Row:
    values = {"id": str(uuid.uuid4()), "owner_id": me.user_id, "url": check_url(body["url"], allow_loopback),
              "events": body["events"], "secret": body["secret"], "description": body.get("description"),
              "active": body.get("active", True)}
    return conn.execute(sa.insert(webhooks).values(**values).returning(*webhooks.c)).one()


def visible(conn: Connection, me: Principal, webhook_id: str, *, lock: bool = False) -> Row:
    query = sa.select(webhooks).where(webhooks.c.id == webhook_id)
    if not me.is_admin:
        query = query.where(webhooks.c.owner_id == me.user_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("webhook not found")
    return row


def change(conn: Connection, me: Principal, webhook_id: str, body: dict[str, Any], *, allow_loopback: bool) -> Row:
    visible(conn, me, webhook_id, lock=True)
    values = {k: body[k] for k in ("events", "secret", "description", "active") if k in body}
    if "url" in body:
        values["url"] = check_url(body["url"], allow_loopback)
    return conn.execute(sa.update(webhooks).where(webhooks.c.id == webhook_id)
                        .values(**values, updated_at=sa.func.now()).returning(*webhooks.c)).one()


def remove(conn: Connection, me: Principal, webhook_id: str) -> None:
    """The webhook and its delivery log (pending deliveries are not sent)."""
    visible(conn, me, webhook_id, lock=True)
    conn.execute(sa.delete(webhooks).where(webhooks.c.id == webhook_id))


def listing(me: Principal, owner_id: str | None, active: bool | None) -> sa.Select:
    where = [] if me.is_admin else [webhooks.c.owner_id == me.user_id]
    if owner_id:
        where.append(webhooks.c.owner_id == owner_id)
    if active is not None:
        where.append(webhooks.c.active.is_(active))
    return sa.select(webhooks).where(*where).order_by(webhooks.c.created_at.desc(), webhooks.c.id)


_DELIVERY_COLUMNS = [c for c in webhook_deliveries.c if c.name != "body"]


def deliveries(webhook_id: str, status: str | None, event_id: str | None) -> sa.Select:
    where = [webhook_deliveries.c.webhook_id == webhook_id]
    if status:
        where.append(webhook_deliveries.c.status == status)
    if event_id:
        where.append(webhook_deliveries.c.event_id == event_id)
    return (sa.select(*_DELIVERY_COLUMNS).where(*where)
            .order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id.desc()))


def delivery(conn: Connection, webhook_id: str, delivery_id: str) -> Row:
    row = conn.execute(sa.select(webhook_deliveries).where(
        webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.webhook_id == webhook_id)).first()
    if row is None:
        raise NotFound("delivery not found")
    return row


def attempts(conn: Connection, delivery_id: str) -> list[Row]:
    return conn.execute(sa.select(webhook_attempts).where(webhook_attempts.c.delivery_id == delivery_id)
                        .order_by(webhook_attempts.c.attempted_at, webhook_attempts.c.id)).all()


def redeliver(conn: Connection, webhook_id: str, delivery_id: str) -> Row:
    """Back in the queue, due now, with a new retry window (a pending one is tried now
    rather than after its back-off; at least once: the receiver drops a repeated event_id)."""
    delivery(conn, webhook_id, delivery_id)
    return conn.execute(
        sa.update(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
        .values(status="pending", next_attempt_at=sa.func.now(), window_started_at=sa.func.now(), delivered_at=None)
        .returning(*webhook_deliveries.c)).one()
