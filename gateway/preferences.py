"""The portal's per-user preferences: rules only (no Flask, no SQL).

A preferences document has three parts, each optional:
- `language`: "zh-CN" or "en";
- `saved_views`: per list (a short key such as "customers"), named filter sets
  `[{"name", "query": {param: value}}]`;
- `columns`: per list, the column keys the user chose to see, in order.
A PUT replaces the parts it names and keeps the others.
"""

from __future__ import annotations

import re
from typing import Any

LANGUAGES = ("zh-CN", "en")
LIST_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MAX_LISTS = 40
MAX_VIEWS_PER_LIST = 30
MAX_COLUMNS = 40
MAX_NAME = 60
MAX_QUERY_PARAMS = 20
MAX_VALUE = 200
PARTS = ("language", "saved_views", "columns")


def _text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit and "\x00" not in value


def problems(data: dict[str, Any]) -> dict[str, list[str]]:
    """Field -> messages for a PUT body; empty when it is acceptable."""
    found: dict[str, list[str]] = {}
    unknown = sorted(set(data) - set(PARTS))
    for name in unknown:
        found[name] = ["Unknown field."]
    if "language" in data and data["language"] not in LANGUAGES:
        found["language"] = [f"Must be one of: {', '.join(LANGUAGES)}."]
    if "saved_views" in data:
        msg = _views_problem(data["saved_views"])
        if msg:
            found["saved_views"] = [msg]
    if "columns" in data:
        msg = _columns_problem(data["columns"])
        if msg:
            found["columns"] = [msg]
    return found


def _lists_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "Must be an object keyed by list."
    if len(value) > MAX_LISTS:
        return f"At most {MAX_LISTS} lists."
    for key in value:
        if not LIST_KEY.match(key):
            return f"Invalid list key {key[:40]!r}."
    return None


def _views_problem(value: Any) -> str | None:
    msg = _lists_problem(value)
    if msg:
        return msg
    for views in value.values():
        if not isinstance(views, list) or len(views) > MAX_VIEWS_PER_LIST:
            return f"Each list holds at most {MAX_VIEWS_PER_LIST} views."
        names = set()
        for view in views:
            if not isinstance(view, dict) or set(view) - {"name", "query"} or not _text(view.get("name"), MAX_NAME):
                return f"A view is {{\"name\": text up to {MAX_NAME} characters, \"query\": {{...}}}}."
            if view["name"] in names:
                return "Two views of one list have the same name."
            names.add(view["name"])
            query = view.get("query", {})
            if not isinstance(query, dict) or len(query) > MAX_QUERY_PARAMS:
                return f"A view's query is an object of at most {MAX_QUERY_PARAMS} parameters."
            for param, param_value in query.items():
                if not _text(param, 40) or not isinstance(param_value, str) or len(param_value) > MAX_VALUE \
                        or "\x00" in param_value:
                    return f"Query values are text up to {MAX_VALUE} characters."
    return None


def _columns_problem(value: Any) -> str | None:
    msg = _lists_problem(value)
    if msg:
        return msg
    for columns in value.values():
        if not isinstance(columns, list) or len(columns) > MAX_COLUMNS \
                or not all(_text(c, 40) for c in columns) or len(set(columns)) != len(columns):
            return f"Columns are at most {MAX_COLUMNS} distinct names."
    return None


def merged(current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """The stored document after a PUT: named parts replaced, others kept."""
    return {**{k: v for k, v in current.items() if k in PARTS}, **{k: change[k] for k in PARTS if k in change}}


def view(stored: dict[str, Any]) -> dict[str, Any]:
    return {"language": stored.get("language"), "saved_views": stored.get("saved_views", {}),
            "columns": stored.get("columns", {})}
