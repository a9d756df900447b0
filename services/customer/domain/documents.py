"""Document rules without I/O: tags, titles, the search text, who may delete."""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MAX_TITLE_LENGTH = 300
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_TAG_SEPARATORS = re.compile(r"[,，;；、\n\r\t]+")


class BadTags(ValueError):
    pass


def parse_tags(values: Iterable[str]) -> list[str]:
    """Tags from form fields (each may hold several, separated by commas, semicolons or
    、): blanks trimmed, duplicates (case-insensitive) dropped, order kept; BadTags past
    MAX_TAGS tags or MAX_TAG_LENGTH characters."""
    tags: list[str] = []
    seen: set[str] = set()
    for value in values:
        for part in _TAG_SEPARATORS.split(value or ""):
            tag = " ".join(part.split())
            if not tag or tag.casefold() in seen:
                continue
            if len(tag) > MAX_TAG_LENGTH:
                raise BadTags(f"a tag is at most {MAX_TAG_LENGTH} characters")
            seen.add(tag.casefold())
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise BadTags(f"at most {MAX_TAGS} tags")
    return tags


def default_title(filename: str) -> str:
    """The file name without its extension (the whole name when that leaves nothing)."""
    stem, dot, _ext = filename.rpartition(".")
    return (stem if dot and stem.strip() else filename)[:MAX_TITLE_LENGTH]


def search_text(title: str, filename: str, tags: Iterable[str]) -> str:
    """What ?q= searches: title, file name and tags, lower-cased."""
    return " ".join([title, filename, *tags]).lower()


def may_change_knowledge_base(role: str, user_id: str, uploader_id: str, manages_uploader: bool) -> bool:
    """A knowledge-base document (no customer) is changed, deleted or restored by its
    uploader, a manager above them or an admin."""
    return role == "admin" or user_id == uploader_id or (role == "manager" and manages_uploader)
