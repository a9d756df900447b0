"""Human lines for events, in English and Chinese, from the registry's templates."""

from __future__ import annotations

from shared import events
from shared.envelope import Envelope


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def summarize(envelope: Envelope) -> tuple[str, str]:
    try:
        spec = events.spec(envelope.event_type, envelope.version)
    except events.UnknownEventType:
        return envelope.event_type, envelope.event_type
    values = _Lenient({k: v for k, v in envelope.data.items() if not isinstance(v, (dict, list))})
    en = spec.summary_en.format_map(values) if spec.summary_en else envelope.event_type
    zh = spec.summary_zh.format_map(values) if spec.summary_zh else en
    return en, zh
