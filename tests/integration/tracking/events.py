"""Building envelopes for tracking's tests: payloads from the shared samples, validated
against the registry so the tests keep the producers' contract."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from shared import events as registry
from shared.envelope import Envelope


def uid() -> str:
    return str(uuid.uuid4())


def payload(event_type: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(registry.spec(event_type).sample)
    data.update(changes)
    registry.validate(event_type, data)
    return data


def envelope(event_type: str, data: dict[str, Any], *, aggregate_type: str, aggregate_id: str, seq: int,
             at: str, customer_id: str | None = None, actor_id: str | None = None,
             event_id: str | None = None) -> Envelope:
    return Envelope(
        event_type=event_type, aggregate_type=aggregate_type, aggregate_id=aggregate_id, data=data,
        producer=event_type.split(".")[0], region="cn-east", aggregate_seq=seq, customer_id=customer_id,
        actor_id=actor_id, correlation_id=uid(), event_id=event_id or uid(), occurred_at=at,
    )


class Seq:
    """Per-aggregate sequence numbers, as each producer's outbox hands them out."""

    def __init__(self) -> None:
        self._n: dict[str, int] = {}

    def next(self, aggregate_id: str) -> int:
        self._n[aggregate_id] = self._n.get(aggregate_id, 0) + 1
        return self._n[aggregate_id]


def user_event(user: dict[str, Any], seq: Seq, at: str = "2026-09-01T00:00:00+00:00") -> Envelope:
    data = payload("gateway.user.created", **{k: user[k] for k in ("id", "username", "full_name", "role",
                                                                   "manager_id", "active")})
    return envelope("gateway.user.created", data, aggregate_type="user", aggregate_id=user["id"],
                    seq=seq.next(user["id"]), at=at)


def customer_event(event_type: str, cid: str, owner: str, seq: Seq, at: str, *, name: str, created: str,
                   actor: str | None = None, **changes: Any) -> Envelope:
    data = payload(event_type, id=cid, owner_id=owner, name=name, created_at=created, **changes)
    return envelope(event_type, data, aggregate_type="customer", aggregate_id=cid, seq=seq.next(cid), at=at,
                    customer_id=cid, actor_id=actor or owner)


def line(product_id: str, qty: int, unit: str, net: str, tax: str, gross: str) -> dict[str, Any]:
    return {"product_id": product_id, "quantity": qty, "unit_price": unit, "discount_pct": "0",
            "tax_rate": "13", "net": net, "tax": tax, "gross": gross}


def order_event(event_type: str, order: dict[str, Any], seq: Seq, at: str, *, actor: str | None = None,
                **changes: Any) -> Envelope:
    order.update(changes)
    data = payload(event_type, **order)
    return envelope(event_type, data, aggregate_type="order", aggregate_id=order["id"], seq=seq.next(order["id"]),
                    at=at, customer_id=order["customer_id"], actor_id=actor or order["owner_id"])
