"""Billing against a real, migrated PostgreSQL database: the app called as users with the
gateway's identity header, orders fed in through the real handlers (no broker needed)."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from services.billing.bootstrap import create_app
from services.billing.config import BillingConfig
from services.billing.handlers import handler_table
from shared.consumer import run_handlers_directly
from shared.db import make_engine
from shared.envelope import Envelope
from shared.events import sales as sales_events
from shared.outbox import Outbox
from shared.testing.clients import ServiceClient, new_user, seed_customer, seed_users


class Billing:
    def __init__(self, settings):
        self.settings = settings
        self.app = create_app(settings, BillingConfig(reps_record_cash=False))
        # the same database, with BILLING_REPS_RECORD_CASH on
        self.cash_app = create_app(settings, BillingConfig(reps_record_cash=True))
        self.engine = make_engine(settings.database_url, pool_size=10)
        self.outbox = Outbox("billing", settings.region)
        self._order_seq: dict[str, int] = {}

    def user(self, role: str, manager_id: str | None = None) -> ServiceClient:
        user = new_user(role, manager_id=manager_id)
        seed_users(self.engine, user)
        return self.client_for(user)

    def client_for(self, user: dict, *, reps_record_cash: bool = False) -> ServiceClient:
        return ServiceClient(self.cash_app if reps_record_cash else self.app, user, self.settings.internal_secret)

    def customer(self, owner: ServiceClient, shared_with: list[str] | None = None) -> str:
        return seed_customer(self.engine, owner.user["id"], shared_with=shared_with)

    def order_envelope(self, customer_id: str, owner_id: str, gross: str, *, order_id: str | None = None,
                       status: str = "confirmed", event_type: str = "sales.order.confirmed",
                       seq: int | None = None) -> Envelope:
        order_id = order_id or str(uuid.uuid4())
        if seq is None:
            seq = self._order_seq.get(order_id, 0) + 1
        self._order_seq[order_id] = max(seq, self._order_seq.get(order_id, 0))
        data = dict(sales_events._ORDER, id=order_id, customer_id=customer_id, owner_id=owner_id,
                    status=status, gross=gross, number=f"SO-{order_id[:8]}")
        return Envelope(event_type=event_type, aggregate_type="order", aggregate_id=order_id, data=data,
                        producer="sales", region="cn-east", aggregate_seq=seq, customer_id=customer_id)

    def feed(self, *envelopes: Envelope) -> None:
        run_handlers_directly(self.engine, handler_table(), self.outbox, envelopes)

    def order(self, customer_id: str, owner: ServiceClient, gross: str, **kw: Any) -> str:
        env = self.order_envelope(customer_id, owner.user["id"], gross, **kw)
        self.feed(env)
        return env.aggregate_id

    def events(self, event_type: str, aggregate_id: str | None = None) -> list[dict]:
        """Payloads (envelopes) written to the outbox, oldest first."""
        query = "SELECT payload FROM outbox WHERE payload->>'event_type' = :t"
        params: dict[str, Any] = {"t": event_type}
        if aggregate_id:
            query += " AND payload->>'aggregate_id' = :a"
            params["a"] = aggregate_id
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(query + " ORDER BY id"), params).all()
        return [r[0] if isinstance(r[0], dict) else json.loads(r[0]) for r in rows]

    def last_balance(self, order_id: str) -> dict:
        return self.events("billing.order_balance.changed", order_id)[-1]["data"]

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()


@pytest.fixture(scope="package")
def billing(service_settings) -> Billing:
    b = Billing(service_settings("billing"))
    yield b
    b.engine.dispose()


@pytest.fixture
def finance(billing) -> ServiceClient:
    return billing.user("finance")


@pytest.fixture
def admin(billing) -> ServiceClient:
    return billing.user("admin")


def money(value: str) -> Decimal:
    return Decimal(value)
