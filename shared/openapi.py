"""OpenAPI 3 documents for the suite's Flask apps, built from the url_map plus the
marshmallow schemas that endpoints declare with @api_doc (apispec + MarshmallowPlugin).

    from shared.openapi import api_doc

    @bp.post("/customers")
    @api_doc(body=CustomerIn, response=out.Customer, status=201, summary="Create a customer")
    def create_customer(): ...

Every operation gets a unique operationId (from its endpoint), its service as tag, and
the error answers with the shared error body; `page=` declares the list envelope.
`register_openapi(app, title)` serves the document at GET /openapi.json (a public path of
shared.web); the gateway merges every service's document under /api/v1 with
`merge_documents`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, jsonify
from marshmallow import Schema, fields

OPENAPI_VERSION = "3.0.3"
DOC_ATTR = "__api_doc__"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}},
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
# The error answers every operation may give (the contract's error body), and those of
# some operations only: 404 where the path names a record, 409/413 on writes.
COMMON_ERRORS = {401: "not authenticated", 403: "forbidden (role or visibility)",
                 422: "validation failed (details per field)", 429: "rate limited (gateway)",
                 503: "a dependency is busy or unavailable"}
PATH_ERRORS = {404: "no such record (or not visible to the caller)"}
WRITE_ERRORS = {409: "conflict with the record's state", 413: "payload too large"}
_CONVERTER = re.compile(r"<(?:(?P<conv>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
_SKIP_METHODS = {"HEAD", "OPTIONS"}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
BINARY = {"type": "string", "format": "binary"}

SchemaRef = type[Schema] | Schema | None
_PAGES: dict[type[Schema], type[Schema]] = {}


def page_of(item: type[Schema]) -> type[Schema]:
    """The list envelope {items, total, page, per_page} of item (one class per item schema,
    named '<Item>Page')."""
    if item not in _PAGES:
        _PAGES[item] = Schema.from_dict({
            "items": fields.List(fields.Nested(item), required=True),
            "total": fields.Integer(required=True, metadata={"description": "records matching, all pages"}),
            "page": fields.Integer(required=True, metadata={"description": "from 1"}),
            "per_page": fields.Integer(required=True),
        }, name=f"{item.__name__.removesuffix('Schema')}Page")
    return _PAGES[item]


def api_doc(*, body: SchemaRef = None, response: SchemaRef = None, status: int = 200,
            summary: str | None = None, query: SchemaRef = None, many: bool = False,
            page: type[Schema] | None = None, tags: Iterable[str] | None = None,
            content_type: str = "application/json", produces: str | tuple[str, ...] = "application/json",
            responses: Mapping[int, str] | None = None) -> Callable:
    """Declare an endpoint's request body, query parameters and answer for the document,
    in one line next to the route:

        @api_doc(body=CustomerIn, response=CustomerOut, status=201)
        @api_doc(page=CustomerOut, query=CustomerQuery)           # the list envelope
        @api_doc(status=204)                                      # no body either way
        @api_doc(produces="application/pdf")                      # a file

    body: the marshmallow schema the view loads (content_type: its media type; for an
    upload body=FileUpload, content_type="multipart/form-data"); produces: the answer's
    media type(s);
    response: the schema of the 2xx answer (many=True: a bare array of it); page: the
    schema of one item of a paged list; responses: extra error answers {status: text}
    (the common ones are always there, with the shared error body)."""

    def wrap(fn: Callable) -> Callable:
        setattr(fn, DOC_ATTR, {"body": body, "response": page_of(page) if page is not None else response,
                               "status": status, "summary": summary, "query": query, "many": many,
                               "tags": list(tags or []), "content_type": content_type, "produces": produces,
                               "responses": dict(responses or {})})
        return fn

    return wrap


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """'/customers/<uuid:id>' -> ('/customers/{id}', [path parameter for id])."""
    params = []

    def repl(match: re.Match) -> str:
        conv = match.group("conv") or "string"
        schema: dict[str, Any] = {"type": "string"}
        if conv == "int":
            schema = {"type": "integer"}
        elif conv == "uuid":
            schema = {"type": "string", "format": "uuid"}
        params.append({"name": match.group("name"), "in": "path", "required": True, "schema": schema})
        return "{" + match.group("name") + "}"

    return _CONVERTER.sub(repl, rule), params


def _schema_instance(schema: SchemaRef, many: bool = False) -> Schema | None:
    if schema is None:
        return None
    if isinstance(schema, Schema):
        return schema
    return schema(many=many)


def operation_id(endpoint: str, method: str, methods: int) -> str:
    """'contracts.list_' -> 'contracts_list' (unique per app: endpoints are); the method is
    added only when one endpoint serves several."""
    name = re.sub(r"[^a-zA-Z0-9]+", "_", endpoint).strip("_")
    return f"{name}_{method.lower()}" if methods > 1 else name


def _content(media: str | tuple[str, ...], schema: Any) -> dict[str, Any]:
    """{media type: {schema}}; a file (not JSON) without a schema is binary."""
    out = {}
    for one in (media,) if isinstance(media, str) else media:
        described = BINARY if one != "application/json" and schema is None else schema
        if described is not None:
            out[one] = {"schema": described}
    return out


class FileUpload(Schema):
    """A multipart/form-data body with one file in the field 'file'."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


def _operation(view: Callable, method: str, path_params: list[dict[str, Any]], op_id: str,
               tags: list[str]) -> dict[str, Any]:
    meta = getattr(view, DOC_ATTR, None) or {}
    doc = (view.__doc__ or "").strip()
    summary = meta.get("summary") or (doc.splitlines()[0] if doc else view.__name__.replace("_", " "))
    op: dict[str, Any] = {"summary": summary, "operationId": op_id, "parameters": list(path_params),
                          "tags": meta.get("tags") or tags}
    if meta.get("query") is not None:
        op["parameters"].append({"in": "query", "schema": _schema_instance(meta["query"])})
    if meta.get("body") is not None:
        media = meta.get("content_type", "application/json")
        op["requestBody"] = {"required": True, "content": _content(media, _schema_instance(meta["body"]))}
    status = str(meta.get("status", 200))
    answer: dict[str, Any] = {"description": "success"}
    produces = meta.get("produces", "application/json")
    if status != "204":
        content = _content(produces, _schema_instance(meta.get("response"), meta.get("many", False)))
        if content:
            answer["content"] = content
    op["responses"] = {status: answer}
    errors = dict(COMMON_ERRORS)
    if path_params:
        errors.update(PATH_ERRORS)
    if method in _WRITES:
        errors.update(WRITE_ERRORS)
    errors.update(meta.get("responses") or {})
    for code, text in sorted(errors.items()):
        op["responses"][str(code)] = {"description": text, "content": {"application/json": {"schema": _ERROR_REF}}}
    op["responses"]["default"] = {"description": "error", "content": {"application/json": {"schema": _ERROR_REF}}}
    if not op["parameters"]:
        del op["parameters"]
    return op


def schema_name(schema: type[Schema] | Schema) -> str:
    """A component's name: the class name, plus what an instance changes ('WarehouseIn'
    with only name and active is 'WarehouseIn_name_active'; partial adds 'Partial')."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    if isinstance(schema, Schema):
        if schema.many:
            return ""  # inline a list of it (its items refer to the item's component)
        if schema.only:
            name += "_" + "_".join(sorted(schema.only))
        dropped = set(schema.exclude) - set(getattr(cls.Meta, "exclude", ()))
        if dropped:
            name += "_without_" + "_".join(sorted(dropped))
        if schema.partial is True:
            name += "Partial"
    return name


def build_openapi(app: Flask, title: str, *, version: str = "1.0.0", prefix: str = "",
                  include: Callable[[str], bool] | None = None, tag: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3 document of app's routes (static files and HEAD/OPTIONS left out);
    every operation is tagged tag (default: the app's name) unless it declares its own."""
    spec = APISpec(title=title, version=version, openapi_version=OPENAPI_VERSION,
                   plugins=[MarshmallowPlugin(schema_name_resolver=schema_name)])
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or (include and not include(rule.rule)):
            continue
        view = app.view_functions.get(rule.endpoint)
        if view is None:
            continue
        path, params = openapi_path(prefix + rule.rule)
        methods = sorted((rule.methods or set()) - _SKIP_METHODS)
        for method in methods:
            paths.setdefault(path, {})[method.lower()] = _operation(
                view, method, params, operation_id(rule.endpoint, method, len(methods)), [tag or app.name])
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearerAuth": []}]
    return document


def register_openapi(app: Flask, title: str, *, version: str = "1.0.0") -> None:
    """Serve app's document at GET /openapi.json (built once, on first request).
    Calling it again for the same app does nothing (safe from a service and from ServiceRoot)."""
    if "openapi_json" in app.view_functions:
        return
    cache: dict[str, Any] = {}

    def openapi_json():
        if "doc" not in cache:
            cache["doc"] = build_openapi(app, title, version=version,
                                         include=lambda rule: rule != "/openapi.json")
        return jsonify(cache["doc"])

    app.add_url_rule("/openapi.json", endpoint="openapi_json", view_func=openapi_json, methods=["GET"])


def _rename_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/schemas/"):
                name = value.rsplit("/", 1)[1]
                out[key] = "#/components/schemas/" + renames.get(name, name)
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def merge_documents(base: dict[str, Any], services: Mapping[str, dict[str, Any]], *, prefix: str = "/api/v1"
                    ) -> dict[str, Any]:
    """base plus each service's paths under prefix; each service's schemas are named
    '<service>.<Name>' so two services' schemas of one name do not collide."""
    merged = copy.deepcopy(base)
    merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    for service in sorted(services):
        doc = services[service]
        own = (doc.get("components") or {}).get("schemas") or {}
        renames = {name: name if name == "Error" else f"{service}.{name}" for name in own}
        doc = _rename_refs(doc, renames)
        for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
            schemas.setdefault(renames.get(name, name), schema)
        for path, operations in (doc.get("paths") or {}).items():
            if path in ("/openapi.json", "/healthz", "/readyz", "/metrics"):  # not routed publicly
                continue
            tagged = {}
            for method, op in operations.items():
                if isinstance(op, dict):
                    op = {**op, "tags": op.get("tags") or [service]}
                    if "operationId" in op and not op["operationId"].startswith(f"{service}_"):
                        op["operationId"] = f"{service}_{op['operationId']}"
                tagged[method] = op
            merged["paths"][prefix + path] = tagged
    used = sorted({tag for operations in merged["paths"].values() for op in operations.values()
                   if isinstance(op, dict) for tag in op.get("tags") or []})
    merged["tags"] = [{"name": tag} for tag in used]
    return merged
