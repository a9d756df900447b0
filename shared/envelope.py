"""The event envelope every message carries (DESIGN.md, messaging rule 2)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ENVELOPE_FIELDS = (
    "event_id", "event_type", "version", "occurred_at", "producer", "region",
    "aggregate_type", "aggregate_id", "aggregate_seq", "customer_id", "actor_id",
    "correlation_id", "causation_id", "data",
)


class BadEnvelope(ValueError):
    """A message body that is not a valid envelope."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Envelope:
    event_type: str
    aggregate_type: str
    aggregate_id: str
    data: dict[str, Any]
    producer: str
    region: str
    aggregate_seq: int = 0
    version: int = 1
    customer_id: str | None = None
    actor_id: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    event_id: str = field(default_factory=new_id)
    occurred_at: str = field(default_factory=lambda: utcnow().isoformat())

    @property
    def routing_key(self) -> str:
        return f"{self.event_type}.v{self.version}"

    @property
    def service(self) -> str:
        return self.event_type.split(".", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        # field by field: dataclasses.asdict deep-copies data, which is slow in bulk
        return {name: getattr(self, name) for name in ENVELOPE_FIELDS}

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Envelope:
        missing = [k for k in ("event_id", "event_type", "aggregate_type", "aggregate_id", "data") if k not in raw]
        if missing:
            raise BadEnvelope(f"envelope lacks {', '.join(missing)}")
        if not isinstance(raw["data"], dict):
            raise BadEnvelope("envelope data must be an object")
        try:
            return cls(
                event_id=str(raw["event_id"]),
                event_type=str(raw["event_type"]),
                version=int(raw.get("version", 1)),
                occurred_at=str(raw.get("occurred_at") or utcnow().isoformat()),
                producer=str(raw.get("producer") or raw["event_type"].split(".", 1)[0]),
                region=str(raw.get("region") or ""),
                aggregate_type=str(raw["aggregate_type"]),
                aggregate_id=str(raw["aggregate_id"]),
                aggregate_seq=int(raw.get("aggregate_seq") or 0),
                customer_id=raw.get("customer_id"),
                actor_id=raw.get("actor_id"),
                correlation_id=raw.get("correlation_id"),
                causation_id=raw.get("causation_id"),
                data=raw["data"],
            )
        except (TypeError, ValueError) as exc:
            raise BadEnvelope(str(exc)) from exc

    @classmethod
    def from_json(cls, body: bytes) -> Envelope:
        try:
            raw = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadEnvelope(f"not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise BadEnvelope("envelope must be a JSON object")
        return cls.from_dict(raw)
