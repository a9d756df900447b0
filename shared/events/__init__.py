"""Registry of event payload schemas: one marshmallow schema and one sample per
(event_type, version). Producers validate against it when they write to the outbox;
contract tests check every sample against every consumer.

Each producing service declares its events in its own module here
(`shared/events/<service>.py`); importing this package loads them all.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError


class UnknownEventType(LookupError):
    pass


class InvalidEventData(ValueError):
    def __init__(self, event_type: str, messages: dict[str, Any]):
        super().__init__(f"{event_type}: {messages}")
        self.messages = messages


@dataclass(frozen=True)
class EventSpec:
    event_type: str
    version: int
    schema: type[Schema]
    sample: dict[str, Any]
    summary_en: str = ""
    summary_zh: str = ""
    customer_field: str | None = None
    note_field: str | None = None  # a payload field whose text, when there, ends the summary

    @property
    def routing_key(self) -> str:
        return f"{self.event_type}.v{self.version}"


_REGISTRY: dict[tuple[str, int], EventSpec] = {}


def register(
    event_type: str,
    *,
    sample: dict[str, Any],
    version: int = 1,
    summary_en: str = "",
    summary_zh: str = "",
    note_field: str | None = None,
):
    """Class decorator: `@register("customer.customer.created", sample={...})`.

    summary_en / summary_zh are str.format templates over the payload (and `actor`),
    used by tracking to write a human line per event; note_field names a payload field
    (e.g. an approver's comment) added after the line when it holds text.
    """

    def wrap(schema_cls: type[Schema]) -> type[Schema]:
        key = (event_type, version)
        if key in _REGISTRY and _REGISTRY[key].schema is not schema_cls:
            raise ValueError(f"event {event_type} v{version} registered twice")
        _REGISTRY[key] = EventSpec(event_type, version, schema_cls, sample, summary_en, summary_zh,
                                   note_field=note_field)
        return schema_cls

    return wrap


def spec(event_type: str, version: int = 1) -> EventSpec:
    _load_all()
    try:
        return _REGISTRY[(event_type, version)]
    except KeyError:
        raise UnknownEventType(f"{event_type} v{version} is not a registered event") from None


def all_specs() -> list[EventSpec]:
    _load_all()
    return sorted(_REGISTRY.values(), key=lambda s: (s.event_type, s.version))


def validate(event_type: str, data: dict[str, Any], version: int = 1) -> dict[str, Any]:
    """Validate a payload against its registered schema; returns the payload unchanged."""
    schema = _schema_instance(event_type, version)
    try:
        schema.load(data)
    except ValidationError as exc:
        raise InvalidEventData(event_type, exc.messages) from exc  # type: ignore[arg-type]
    return data


_SCHEMAS: dict[tuple[str, int], Schema] = {}


def _schema_instance(event_type: str, version: int) -> Schema:
    key = (event_type, version)
    schema = _SCHEMAS.get(key)
    if schema is None:
        schema = _SCHEMAS[key] = spec(event_type, version).schema()
    return schema


_MODULES = ("gateway", "customer", "sales", "inventory", "billing", "tracking")
_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for name in _MODULES:
        try:
            importlib.import_module(f"shared.events.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"shared.events.{name}":
                raise
    _loaded = True
