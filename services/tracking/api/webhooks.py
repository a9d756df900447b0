"""Webhooks (issue 17): POST/GET /webhooks, GET/PATCH/DELETE /webhooks/{id},
GET /webhooks/{id}/deliveries (the delivery log), GET /webhooks/{id}/deliveries/{delivery_id}
(with each attempt), POST /webhooks/{id}/deliveries/{delivery_id}/redeliver.

Any user may register a webhook for themselves; it receives only what its owner may see
(admins' receive every event). The secret is write-only. Sending is the worker's
(services/tracking/webhooks/worker.py), never a request's."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, validate, validates

from services.tracking.api import answers as out
from services.tracking.domain.webhooks import (
    MAX_PATTERNS,
    MAX_SECRET,
    MAX_URL,
    MIN_SECRET,
    pattern_problem,
)
from services.tracking.webhooks import store
from services.tracking.webhooks.settings import WebhookSettings
from shared.errors import ValidationFailed
from shared.openapi import api_doc
from shared.service import service_context
from shared.web import (
    count_and_page,
    iso,
    load,
    page_args,
    page_response,
    path_id,
    principal,
    uuid_arg,
)

bp = Blueprint("tracking_webhooks", __name__, url_prefix="/webhooks")


class WebhookIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL))
    events = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=MAX_PATTERNS))
    secret = fields.String(required=True, validate=validate.Length(min=MIN_SECRET, max=MAX_SECRET),
                           metadata={"description": "signs every delivery; never answered back"})
    description = fields.String(allow_none=True, validate=validate.Length(max=300))
    active = fields.Boolean()

    @validates("events")
    def _patterns(self, value: list[str], **_kw: Any) -> None:
        problems = {p: pattern_problem(p) for p in value}
        bad = [f"{p!r}: {why}" for p, why in problems.items() if why]
        if bad:
            raise ValidationError(bad)


class WebhookPatch(WebhookIn):
    pass


def _settings() -> WebhookSettings:
    return WebhookSettings.from_env()


def webhook_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "owner_id": row.owner_id, "url": row.url, "events": list(row.events),
            "description": row.description, "active": row.active, "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at)}


def delivery_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "webhook_id": row.webhook_id, "event_id": row.event_id, "event_type": row.event_type,
            "status": row.status, "attempts": row.attempts, "response_code": row.response_code,
            "last_error": row.last_error, "created_at": iso(row.created_at),
            "last_attempt_at": iso(row.last_attempt_at),
            "next_attempt_at": iso(row.next_attempt_at) if row.status == "pending" else None,
            "delivered_at": iso(row.delivered_at)}


@bp.post("")
@api_doc(body=WebhookIn, response=out.Webhook, status=201,
         summary="Register a webhook: every event matching its patterns that its owner may see is POSTed, signed")
def create_webhook() -> ResponseReturnValue:
    body = load(WebhookIn())
    with service_context().engine.begin() as conn:
        row = store.register(conn, principal(), body, allow_loopback=_settings().allow_loopback)
    return jsonify(webhook_json(row)), 201


def _active_arg() -> bool | None:
    raw = (request.args.get("active") or "").lower()
    if raw not in ("", "true", "false"):
        raise ValidationFailed("invalid filter", details={"active": ["must be true or false"]})
    return None if raw == "" else raw == "true"


@bp.get("")
@api_doc(page=out.Webhook, summary="Webhooks: an admin's view has every one, anyone else's their own (owner_id, active)")
def list_webhooks() -> ResponseReturnValue:
    page, per_page = page_args()
    query = store.listing(principal(), uuid_arg(request.args.get("owner_id"), "owner_id"), _active_arg())
    with service_context().engine.connect() as conn:
        rows, total = count_and_page(conn, query, page, per_page)
    return page_response([webhook_json(r) for r in rows], total, page, per_page)


@bp.get("/<webhook_id>")
@api_doc(response=out.Webhook, summary="One webhook (never its secret)")
def get_webhook(webhook_id: str) -> ResponseReturnValue:
    with service_context().engine.connect() as conn:
        row = store.visible(conn, principal(), path_id(webhook_id, "webhook"))
    return jsonify(webhook_json(row))


@bp.patch("/<webhook_id>")
@api_doc(body=WebhookPatch, response=out.Webhook,
         summary="Change a webhook: url, events, secret, description; active false stops its deliveries")
def patch_webhook(webhook_id: str) -> ResponseReturnValue:
    webhook_id = path_id(webhook_id, "webhook")
    body = load(WebhookPatch(), partial=True)
    with service_context().engine.begin() as conn:
        row = store.change(conn, principal(), webhook_id, body, allow_loopback=_settings().allow_loopback)
    return jsonify(webhook_json(row))


@bp.delete("/<webhook_id>")
@api_doc(status=204, summary="Remove a webhook and its delivery log")
def delete_webhook(webhook_id: str) -> ResponseReturnValue:
    webhook_id = path_id(webhook_id, "webhook")
    with service_context().engine.begin() as conn:
        store.remove(conn, principal(), webhook_id)
    return "", 204


@bp.get("/<webhook_id>/deliveries")
@api_doc(page=out.WebhookDelivery, summary="A webhook's delivery log, newest first (status, event_id)")
def list_deliveries(webhook_id: str) -> ResponseReturnValue:
    webhook_id = path_id(webhook_id, "webhook")
    page, per_page = page_args()
    status = request.args.get("status") or None
    if status and status not in store.DELIVERY_STATUSES:
        raise ValidationFailed("invalid filter", details={"status": [
            f"must be one of {', '.join(store.DELIVERY_STATUSES)}"]})
    event_id = uuid_arg(request.args.get("event_id"), "event_id")
    with service_context().engine.connect() as conn:
        store.visible(conn, principal(), webhook_id)
        rows, total = count_and_page(conn, store.deliveries(webhook_id, status, event_id), page, per_page)
    return page_response([delivery_json(r) for r in rows], total, page, per_page)


@bp.get("/<webhook_id>/deliveries/<delivery_id>")
@api_doc(response=out.WebhookDeliveryDetail, summary="One delivery: the body sent and every attempt")
def get_delivery(webhook_id: str, delivery_id: str) -> ResponseReturnValue:
    webhook_id, delivery_id = path_id(webhook_id, "webhook"), path_id(delivery_id, "delivery")
    with service_context().engine.connect() as conn:
        store.visible(conn, principal(), webhook_id)
        row = store.delivery(conn, webhook_id, delivery_id)
        attempts = store.attempts(conn, delivery_id)
    return jsonify({**delivery_json(row), "body": row.body, "attempt_log": [
        {"attempted_at": iso(a.attempted_at), "response_code": a.response_code, "error": a.error,
         "duration_ms": a.duration_ms} for a in attempts]})


@bp.post("/<webhook_id>/deliveries/<delivery_id>/redeliver")
@api_doc(response=out.WebhookDelivery, status=202,
         summary="Send a delivery again (now, with a new retry window)")
def redeliver(webhook_id: str, delivery_id: str) -> ResponseReturnValue:
    webhook_id, delivery_id = path_id(webhook_id, "webhook"), path_id(delivery_id, "delivery")
    with service_context().engine.begin() as conn:
        store.visible(conn, principal(), webhook_id)
        row = store.redeliver(conn, webhook_id, delivery_id)
    return jsonify(delivery_json(row)), 202
