"""Events into deliveries: a batch handler of tracking's consumer (`#`), so a delivery row
is written in the same transaction as the stored event and the inbox mark: exactly one
delivery per (webhook, event), whatever the broker redelivers. Nothing is sent here (the
worker does, in its own process).

A webhook has its owner's view (the audit's rule, services/tracking/api/timeline.audit_scope):
an admin's every event; a manager's or a rep's the events about customers they may see and
their team's actions that concern no customer; finance's / warehouse's every billing /
inventory event, customers an assignment opened to them and their own actions. Payload
detail a reader may not see (domain/disclosure.py) is cut from the body as on the
timeline. An inactive or unknown owner's webhooks receive nothing. Visibility is decided
when the event arrives (a customer shared later does not bring its past events)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from services.tracking.api.readers import reader_of
from services.tracking.api.timeline import SERVICE_ROLES
from services.tracking.domain.disclosure import disclose
from services.tracking.domain.webhooks import matches
from services.tracking.models import webhook_deliveries, webhooks
from shared.envelope import Envelope
from shared.identity import Principal
from shared.visibility import can_see_customer, has_grant

ENQUEUE = "tracking.webhooks.enqueue"
_INSERT = pg_insert(webhook_deliveries).on_conflict_do_nothing(constraint="uq_webhook_deliveries_event")
_OWNERS = sa.text("SELECT id, role FROM acl_users WHERE id = ANY(:ids) AND active")


@dataclass(frozen=True)
class Hook:
    id: str
    owner_id: str
    patterns: tuple[str, ...]


class OwnerView:
    """One owner's visibility, with its answers kept for the batch."""

    def __init__(self, conn: Connection, principal: Principal):
        self.conn = conn
        self.me = principal
        self.reader = reader_of(conn, principal)
        self._customers: dict[str, bool] = {}

    def sees(self, event: Envelope, customer_id: str | None) -> bool:
        role = self.me.role
        if role == "admin":
            return True
        if customer_id is None:
            if role in SERVICE_ROLES:
                return event.service == SERVICE_ROLES[role] or event.actor_id == self.me.user_id
            return event.actor_id in self.reader.team
        if role in SERVICE_ROLES and event.service == SERVICE_ROLES[role]:
            return True
        if customer_id not in self._customers:
            self._customers[customer_id] = (
                has_grant(self.conn, self.me.user_id, customer_id) if role in SERVICE_ROLES
                else can_see_customer(self.conn, self.me, customer_id, "tracking", read=True))
        return self._customers[customer_id]

    def body(self, event: Envelope, customer_id: str | None) -> str:
        envelope = event.to_dict()
        envelope["customer_id"] = customer_id
        if self.me.role != "admin":
            envelope["data"] = disclose(self.reader, event.event_type, event.data, "", None).data
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def enqueue_deliveries(conn: Connection, envelopes: list[Envelope]) -> None:
    """A delivery for every active webhook whose patterns match and whose owner may see it."""
    hooks = [Hook(r.id, r.owner_id, tuple(r.events or ())) for r in conn.execute(
        sa.select(webhooks.c.id, webhooks.c.owner_id, webhooks.c.events).where(webhooks.c.active))]
    if not hooks:
        return
    from services.tracking.handlers import customer_of  # the event store's rule (import cycle)

    roles = dict(conn.execute(_OWNERS, {"ids": sorted({h.owner_id for h in hooks})}).all())
    views: dict[str, OwnerView] = {}
    rows = []
    for event in envelopes:
        wanted = [h for h in hooks if h.owner_id in roles and matches(h.patterns, event.event_type)]
        if not wanted:
            continue
        customer_id = customer_of(conn, event)
        for hook in wanted:
            view = views.get(hook.owner_id)
            if view is None:
                view = views[hook.owner_id] = OwnerView(conn, Principal(hook.owner_id, roles[hook.owner_id]))
            if view.sees(event, customer_id):
                rows.append({"id": str(uuid.uuid4()), "webhook_id": hook.id, "event_id": event.event_id,
                             "event_type": event.event_type[:120], "body": view.body(event, customer_id)})
    if rows:
        conn.execute(_INSERT, rows)
