"""The fuzzer's parts: hostile values, bodies shaped after each endpoint's marshmallow
schema with hostile values mixed in, every route of a Flask app with its path ids
filled, and the property every answer must have (never a 5xx; a 4xx in the contract's
JSON error body).

FUZZ_EXAMPLES sets the examples per route (a few in `make test`, many in `make fuzz`).
The short run is derandomized (the same examples every time, so `make test` is
deterministic); FUZZ_RANDOM=1 (`make fuzz`) draws new ones on every run.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields, validate

from shared.openapi import DOC_ATTR

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
RANDOM = bool(os.environ.get("FUZZ_RANDOM"))
SKIP_METHODS = {"HEAD", "OPTIONS"}
UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# ---- hostile values -----------------------------------------------------------------

NASTY_TEXT = [
    "", " ", "\x00", "a\x00b", "名字\x00", "\r\nBcc: attacker@example.com", "subject\r\nX-Injected: 1", "x\ny",
    "\u202eevil", "😀" * 8, "中文" * 40, "'; DROP TABLE customers;--", "%", "_", "\\", "a" * 5000, "b" * 70000,
    "1e30", "1E+400", "-1e-400", "1e999999999", "NaN", "Infinity", "-Infinity", "-0", "0x1F", "1_000", "１２３",
    "9999-12-31", "0001-01-01", "0000-00-00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
    "2026-02-30", "99999-01-01", "-2026-01-01", "2026-13-01T25:61:61Z", "2026-01-01T00:00:00+99:00",
    "00000000-0000-0000-0000-000000000000", "ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ", "\ud800", "a\udfffb",
    "=HYPERLINK(\"http://x\")", "<script>alert(1)</script>", "../../etc/passwd",
]
NASTY_NUMBERS: list[Any] = [
    0, -1, 1, 2**31, -(2**31) - 1, 2**63, 10**30, -(10**30), 10**400, 1e308, -1e308, 1e-308, 5e-324, -0.0,
    0.1, 1.005, 999999999999.995, 99999999999999.99, float("nan"), float("inf"), float("-inf"),
]
NASTY_QUERY_RAW = ["%00", "a%00b", "%ff%fe", "%ED%A0%80", "%0D%0ASet-Cookie:x=1", "%25", "%", "1e20", "-1",
                   "1.5", "99999999999999999999", "0", "+1", "%20", "x" * 3000]
QUERY_KEYS = ["page", "per_page", "q", "from", "to", "before", "status", "customer_id", "owner_id", "order_id",
              "product_id", "warehouse_id", "as_of", "week_start", "due_before", "granularity", "format", "kind",
              "unread", "active", "region", "type", "service", "actor_id", "stage", "category", "industry",
              "user_id", "assignee_id", "currency", "is_decision_maker", "supplier_id", "submitter_id", "role",
              "manager_id", "quote_id", "opportunity_id", "purchase_order_id", "author_id", "from_warehouse_id"]


def deep(depth: int, kind: str = "list") -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


RAW_BODIES = [deep(2000), deep(2000, "dict"), deep(40), b'{"name": ' + deep(3000) + b"}", b"[]", b"null", b'"x"',
              b"42", b"{", b"\xff\xfe{}", b'{"a": NaN}', b'{"amount": 1e400}', b'{"a": "\\u0000"}',
              b'{"a\\u0000": 1}', b'{"n": ' + b"9" * 5000 + b"}", b'{"s": "\\ud800"}', b"\x00" * 10]

nasty_text = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=30))
nasty_number = st.one_of(st.sampled_from(NASTY_NUMBERS), st.integers(), st.floats())
# form fields and file names travel as bytes: no lone surrogates there
form_text = nasty_text.filter(lambda v: not any("\ud800" <= c <= "\udfff" for c in v))
nasty_scalar = st.one_of(nasty_text, nasty_number, st.sampled_from([None, True, False]))
nasty_value = st.recursive(nasty_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "name", "amount", "\x00"]), inner, max_size=3)),
    max_leaves=6)


# ---- bodies after a schema ----------------------------------------------------------

@dataclass
class Pool:
    """Ids the callers may see (harvested from answers), by the collection whose records
    they are ("customers" for the ids of GET /customers' items), and random ones."""

    ids: list[str] = field(default_factory=list)
    by_collection: dict[str, list[str]] = field(default_factory=dict)

    def add_from(self, value: Any, collection: str | None = None) -> None:
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                own = item.get("id")
                if collection and isinstance(own, str) and UUID_TEXT.match(own):
                    known = self.by_collection.setdefault(collection, [])
                    if own not in known:
                        known.append(own)
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str) and UUID_TEXT.match(item) and item not in self.ids:
                self.ids.append(item)

    def strategy(self, collection: str | None = None) -> st.SearchStrategy[str]:
        known = self.ids or [str(uuid.uuid4())]
        options = [st.sampled_from(known), st.uuids().map(str)]
        own = self.by_collection.get(collection or "")
        if own:
            options = [st.sampled_from(own)] * 3 + options
        return st.one_of(*options)


def collection_of(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


def _choices(f: fields.Field) -> list[Any] | None:
    validators = f.validators if isinstance(getattr(f, "validators", None), list) else []
    for v in validators:
        if isinstance(v, validate.OneOf):
            return list(v.choices)
    return None


def valid_value(f: fields.Field, name: str, pool: Pool, depth: int = 0) -> st.SearchStrategy[Any]:
    """A plausible value for a field (so that a body gets past the fields it does not fuzz)."""
    choices = _choices(f)
    if choices:
        return st.sampled_from(choices)
    if isinstance(f, fields.Nested):
        nested = f.nested() if callable(f.nested) and not isinstance(f.nested, type) else f.nested
        schema = nested if isinstance(nested, Schema) else nested()
        body = schema_body(type(schema), pool, depth + 1)
        return st.lists(body, min_size=1, max_size=2) if f.many else body
    if isinstance(f, fields.List):
        return st.lists(valid_value(f.inner, name, pool, depth + 1), min_size=1, max_size=2)
    if isinstance(f, fields.Email):
        return st.just("fuzz@example.cn")
    if isinstance(f, fields.AwareDateTime | fields.DateTime):
        return st.sampled_from(["2030-01-07T09:00:00+08:00", "2026-11-22T08:00:00Z"])
    if isinstance(f, fields.Date):
        return st.sampled_from(["2030-01-07", "2026-11-23"])
    if isinstance(f, fields.Boolean):
        return st.booleans()
    if isinstance(f, fields.Integer):
        return st.integers(min_value=0, max_value=5)
    if isinstance(f, fields.Dict):
        return st.just({})
    if isinstance(f, fields.UUID) or name.endswith("_id") or name == "id":
        return pool.strategy()
    if isinstance(f, fields.String):
        return st.sampled_from(["模糊测试", "fuzz", "A1"])
    return st.sampled_from(["1.00", "10", 5, "0.50"])  # money, percentages, Raw


def schema_body(schema_cls: type[Schema], pool: Pool, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """A body after the schema: each field plausible or hostile, each may be missing."""
    declared = schema_cls._declared_fields
    if depth > 2:
        return st.just({})
    required, optional = {}, {}
    for name, f in declared.items():
        if f.dump_only:
            continue
        # mostly plausible, now and then hostile: one bad field among good ones gets deepest
        value = st.one_of(*[valid_value(f, name, pool, depth)] * 4, nasty_value)
        (required if f.required else optional)[f.data_key or name] = value
    return st.fixed_dictionaries(required, optional=optional)


VOCABULARY: list[str] = []


def vocabulary() -> list[str]:
    """Every field name of every request schema loaded (for endpoints without one)."""
    if not VOCABULARY:
        from marshmallow import class_registry

        names = set()
        for classes in class_registry._registry.values():  # type: ignore[attr-defined]
            for cls in classes:
                names.update(cls._declared_fields)
        VOCABULARY.extend(sorted(names))
    return VOCABULARY


def body_schema(view: Callable) -> type[Schema] | None:
    """The schema an endpoint loads its body with: its api_doc, or load(SchemaName(...))."""
    doc = getattr(view, DOC_ATTR, None)
    if doc and isinstance(doc.get("body"), type) and issubclass(doc["body"], Schema):
        return doc["body"]
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return None
    match = re.search(r"load\((\w+)\(", source)
    found = view.__globals__.get(match.group(1)) if match else None
    return found if isinstance(found, type) and issubclass(found, Schema) else None


def takes_files(view: Callable) -> bool:
    try:
        return "request.files" in inspect.getsource(view)
    except (OSError, TypeError):
        return False


@dataclass
class Request:
    method: str
    path: str
    query: str
    data: bytes | dict | None
    content_type: str | None

    def describe(self) -> str:
        shown = self.data if not isinstance(self.data, bytes) else self.data[:300]
        return f"{self.method} {self.path[:300]}?{self.query[:300]} body={shown!r:.600}"


def body_strategy(view: Callable, pool: Pool) -> st.SearchStrategy[tuple[bytes | dict | None, str | None]]:
    """(data, content type) for a write: JSON after the schema, JSON of random fields,
    raw hostile bytes, or a multipart upload for endpoints that take files."""
    schema = body_schema(view)
    json_bodies = [st.dictionaries(st.sampled_from(vocabulary()), nasty_value, max_size=4), nasty_value]
    if schema is not None:
        json_bodies = [schema_body(schema, pool)] * 3 + json_bodies
    as_json = st.one_of(*json_bodies).map(lambda b: (json.dumps(b, ensure_ascii=True).encode(), "application/json"))
    options = [as_json, st.sampled_from(RAW_BODIES).map(lambda b: (b, "application/json")),
               st.just((None, None))]
    if takes_files(view):
        options.append(st.tuples(st.sampled_from(["a.csv", "a\x00.csv", "名单.xlsx", "x" * 400, "", "../a.pdf"]),
                                 st.sampled_from([b"", b"name\n\x00\n", b"name,phone\n" + b"a" * 100 + b",1\n",
                                                  b"PK\x03\x04garbage", b"\xff\xfe\x00"]),
                                 st.dictionaries(st.sampled_from(vocabulary()), form_text, max_size=2))
                       .map(lambda t: ({"file": (io.BytesIO(t[1]), t[0]), **t[2]}, "multipart/form-data")))
    return st.one_of(*options)


def query_strategy() -> st.SearchStrategy[str]:
    value = st.one_of(nasty_text.map(lambda v: quote(v.encode("utf-8", "surrogatepass"), safe="")),
                      st.sampled_from(NASTY_QUERY_RAW))
    return st.lists(st.tuples(st.sampled_from(QUERY_KEYS), value), max_size=4).map(
        lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
PATH_NASTY = ["x", "0", "%00", "a%0Ab", "%2e%2e", "中文", "x" * 3000, "00000000-0000-0000-0000-000000000000",
              "%ED%A0%80", "1 OR 1=1"]


def path_strategy(rule: str, pool: Pool) -> st.SearchStrategy[str]:
    """The rule with each <arg> filled: mostly a visible or random id, sometimes nonsense."""
    args = _ARG.findall(rule)
    if not args:
        return st.just(rule)
    own = st.one_of(*[pool.strategy(collection_of(rule))] * 4, st.sampled_from(PATH_NASTY))
    segment = st.one_of(pool.strategy(), pool.strategy(), st.sampled_from(PATH_NASTY))

    def fill(values: list[str]) -> str:
        it = iter(values)
        return _ARG.sub(lambda _m: next(it), rule)

    return st.tuples(own, st.lists(segment, min_size=len(args) - 1, max_size=len(args) - 1)).map(
        lambda first_rest: fill([first_rest[0], *first_rest[1]]))


@dataclass
class Route:
    method: str
    rule: str
    view: Callable


# /readyz answers 503 when a dependency is down: that is its contract, not client input
SKIP_PATHS = ("/readyz",)


def routes(app: Flask, *, skip: Iterable[str] = SKIP_PATHS) -> list[Route]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or any(rule.rule.startswith(p) for p in skip):
            continue
        for method in sorted((rule.methods or set()) - SKIP_METHODS):
            out.append(Route(method, rule.rule, app.view_functions[rule.endpoint]))
    return out


# ---- the property -------------------------------------------------------------------

def check(response: Any, request: Request) -> None:
    status = response.status_code
    assert status < 500, f"{request.describe()} -> {status}: {response.get_data()[:500]!r}"
    assert not 300 <= status < 400, f"{request.describe()} -> a {status} redirect page: {response.get_data()[:200]!r}"
    if status >= 400:
        body = response.get_json(silent=True)
        error = body.get("error") if isinstance(body, dict) else None
        assert response.mimetype == "application/json" and isinstance(error, dict), \
            f"{request.describe()} -> {status} without the JSON error body: {response.get_data()[:300]!r}"
        assert isinstance(error.get("code"), str) and error["code"], request.describe()
        assert isinstance(error.get("message"), str), request.describe()
        assert isinstance(error.get("details"), dict), request.describe()


def plain_value(f: fields.Field, name: str, pool: Pool, mode: str) -> Any:
    """A fixed value for a field: plausible, or (mode) the hostile value of its family."""
    choices = _choices(f)
    if isinstance(f, fields.Nested):
        nested = f.nested() if callable(f.nested) and not isinstance(f.nested, type) else f.nested
        schema = nested if isinstance(nested, Schema) else nested()
        body = plain_body(type(schema), pool, mode)
        return [body] if f.many else body
    if isinstance(f, fields.List):
        return [plain_value(f.inner, name, pool, mode)]
    if isinstance(f, fields.AwareDateTime | fields.DateTime):
        return {"dates": "0001-01-01T00:00:00+05:00"}.get(mode, "2030-01-07T09:00:00+08:00")
    if isinstance(f, fields.Date):
        return {"dates": "9999-12-31"}.get(mode, "2030-01-07")
    if isinstance(f, fields.Boolean):
        return True
    if isinstance(f, fields.Integer):
        return {"numbers": 10**30}.get(mode, 1)
    if isinstance(f, fields.Dict):
        return {"text": {"k": "\x00"}}.get(mode, {})
    if choices:
        return choices[0]
    if isinstance(f, fields.Email):
        return "fuzz@example.cn"
    if isinstance(f, fields.UUID) or name.endswith("_id") or name == "id":
        own = pool.by_collection.get(name[:-3] + "s") or pool.ids or [str(uuid.uuid4())]
        return own[0]
    if isinstance(f, fields.String):
        return {"text": "模糊\x00测试", "lines": "a\r\nBcc: x@example.com"}.get(mode, "模糊测试")
    return {"numbers": "1e30"}.get(mode, "1.00")  # money, percentages, Raw


def plain_body(schema_cls: type[Schema], pool: Pool, mode: str) -> dict[str, Any]:
    return {f.data_key or name: plain_value(f, name, pool, mode)
            for name, f in schema_cls._declared_fields.items() if not f.dump_only}


CANONICAL_QUERIES = ["page=99999999999999999999&per_page=1e2", "q=%00&status=a%00b&customer_id=%00",
                     "from=0001-01-01T00:00:00%2B05:00&to=9999-12-31&as_of=9999-12-31&week_start=0001-01-01",
                     "before=" + "A" * 5000 + "&due_before=9999-12-31T23:59:59-05:00"]


def canonical_requests(route: Route, pool: Pool) -> list[Request]:
    """The same hostile requests for every route (the families of issue 11.5): huge paging,
    NUL filters, dates out of range, an over-long cursor; for writes 2,000-deep JSON and a
    body after the schema with all its text NUL, all its numbers 1e30, all its dates at
    the ends of the calendar, all its text with CR/LF."""
    path = _ARG.sub(lambda _m: (pool.by_collection.get(collection_of(route.rule)) or pool.ids or ["x"])[0],
                    route.rule)
    out = [Request(route.method, path, q, None, None) for q in CANONICAL_QUERIES]
    if route.method in ("POST", "PUT", "PATCH", "DELETE"):
        out.append(Request(route.method, path, "", RAW_BODIES[0], "application/json"))
        schema = body_schema(route.view)
        if schema is not None:
            for mode in ("text", "numbers", "dates", "lines"):
                body = json.dumps(plain_body(schema, pool, mode), ensure_ascii=True).encode()
                out.append(Request(route.method, path, "", body, "application/json"))
    return out


def fuzz_route(route: Route, pool: Pool, send: Callable[[str, Request], Any], callers: list[str],
               examples: int = EXAMPLES) -> None:
    """The canonical hostile requests, then `examples` drawn by Hypothesis, at one route,
    each as one of the callers."""
    for i, request in enumerate(canonical_requests(route, pool)):
        check(send(callers[i % len(callers)], request), request)  # the callers take turns
    writes = route.method in ("POST", "PUT", "PATCH", "DELETE")
    body = body_strategy(route.view, pool) if writes else st.just((None, None))

    @settings(max_examples=examples, deadline=None, database=None, derandomize=not RANDOM,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    @given(who=st.sampled_from(callers), path=path_strategy(route.rule, pool), query=query_strategy(),
           payload=body)
    def run(who: str, path: str, query: str, payload: tuple[Any, str | None]) -> None:
        data, content_type = payload
        if isinstance(data, dict):  # multipart: fresh file objects per call
            data = {k: ((io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v) for k, v in data.items()}
        request = Request(route.method, path, query, data, content_type)
        check(send(who, request), request)

    run()
