"""GET /notifications (the caller's, unread first), POST /notifications/{id}/read,
POST /notifications/read-all."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from sqlalchemy.engine import Row

from services.tracking.api import answers as out
from services.tracking.models import notifications as n
from shared.errors import NotFound, ValidationFailed
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import count_and_page, page_args, page_response, path_id, principal

bp = Blueprint("tracking_notifications", __name__, url_prefix="/notifications")


def _item(row: Row) -> dict:
    return {"id": row.id, "kind": row.kind, "message": row.message, "message_zh": row.message_zh,
            "customer_id": row.customer_id, "subject_type": row.subject_type, "subject_id": row.subject_id,
            "event_id": row.event_id, "created_at": row.created_at.isoformat(), "read": row.read_at is not None,
            "read_at": row.read_at.isoformat() if row.read_at else None}


@bp.get("")
@api_doc(response=out.NotificationPage, summary="The caller's notifications, unread first (unread)")
def list_notifications():
    page, per_page = page_args()
    unread_only = request.args.get("unread", "").lower()
    if unread_only not in ("", "true", "false", "1", "0"):
        raise ValidationFailed("invalid filter", details={"unread": ["must be true or false"]})
    me = principal()
    where = [n.c.user_id == me.user_id]
    if unread_only in ("true", "1"):
        where.append(n.c.read_at.is_(None))
    with service_context().engine.connect() as conn:
        unread = conn.execute(sa.select(sa.func.count()).select_from(n).where(
            n.c.user_id == me.user_id, n.c.read_at.is_(None))).scalar_one()
        rows, total = count_and_page(
            conn, sa.select(n).where(*where)
            .order_by(n.c.read_at.is_not(None), n.c.created_at.desc(), n.c.id.desc()), page, per_page)
    return page_response([_item(r) for r in rows], total, page, per_page, unread=unread)


@bp.post("/<notification_id>/read")
@api_doc(response=out.Notification, summary="Mark a notification read")
def mark_read(notification_id: str):
    notification_id = path_id(notification_id, "notification")
    me = principal()
    with service_context().engine.begin() as conn:
        row = conn.execute(
            sa.update(n).where(n.c.id == notification_id, n.c.user_id == me.user_id)
            .values(read_at=sa.func.coalesce(n.c.read_at, sa.func.now())).returning(*n.c)
        ).first()
    if row is None:
        raise NotFound("notification not found")
    return jsonify(_item(row))


@bp.post("/read-all")
@api_doc(response=out.Updated, summary="Mark all the caller's notifications read")
def mark_all_read():
    me = principal()
    with service_context().engine.begin() as conn:
        count = conn.execute(
            sa.update(n).where(n.c.user_id == me.user_id, n.c.read_at.is_(None)).values(read_at=sa.func.now())
        ).rowcount
    return jsonify({"updated": count})
