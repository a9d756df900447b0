"""Human lines for events, in English and Chinese, from the registry's templates.

The stored line is the action ("created order SO-1, amount ¥305.10"); the actor's name
is put in front when the line is read (`with_actor`), from the local user copy, so a
name that arrives or changes later is still shown."""

from __future__ import annotations

import re

from shared import events
from shared.envelope import Envelope
from shared.events.labels import translated

_YUAN = re.compile(r"¥(-?)(\d{4,})(\.\d+)?")


def _group_yuan(line: str) -> str:
    """¥46739.96 -> ¥46,739.96: amounts read as people write them."""
    return _YUAN.sub(lambda m: f"¥{m.group(1)}{int(m.group(2)):,}{m.group(3) or ''}", line)


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def summarize(envelope: Envelope) -> tuple[str, str]:
    """(English, Chinese) line for an event; the event type for an unknown one."""
    try:
        spec = events.spec(envelope.event_type, envelope.version)
    except events.UnknownEventType:
        return envelope.event_type, envelope.event_type

    def values(lang: str) -> _Lenient:
        data = translated(envelope.event_type, envelope.data, lang)  # codes as the user's words
        out = _Lenient({k: ("-" if v is None else v) for k, v in data.items() if not isinstance(v, (dict, list))})
        out.setdefault("actor", "")
        return out

    try:
        en = spec.summary_en.format_map(values("en")) if spec.summary_en else envelope.event_type
        zh = spec.summary_zh.format_map(values("zh")) if spec.summary_zh else en
    except (ValueError, IndexError, AttributeError):  # a template the payload cannot fill
        return envelope.event_type, envelope.event_type
    note = spec.note_field and envelope.data.get(spec.note_field)
    if isinstance(note, str) and note.strip():  # e.g. the approver's comment
        en, zh = f"{en}: {note.strip()}", f"{zh}：{note.strip()}"
    return _group_yuan(en), _group_yuan(zh)


def with_actor(actor_name: str | None, en: str, zh: str | None) -> tuple[str, str]:
    """"张三 创建了订单 ..." / "张三 created order ..."; the bare line when the actor is unknown."""
    zh = zh or en
    if not actor_name:
        return (en[:1].upper() + en[1:]) if en else en, zh
    return f"{actor_name} {en}", f"{actor_name} {zh}"
