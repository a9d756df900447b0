"""OpenAPI 3 documents for the suite's Flask apps, built from the url_map plus the
marshmallow schemas that endpoints declare with @api_doc (apispec + MarshmallowPlugin).

    from shared.openapi import api_doc

    @bp.post("/customers")
    @api_doc(body=CustomerIn, response=CustomerOut, status=201, summary="Create a customer")
    def create_customer(): ...

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
from marshmallow import Schema

OPENAPI_VERSION = "3.0.3"
DOC_ATTR = "__api_doc__"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}}},
}
_CONVERTER = re.compile(r"<(?:(?P<conv>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
_SKIP_METHODS = {"HEAD", "OPTIONS"}

SchemaRef = type[Schema] | Schema | None


def api_doc(*, body: SchemaRef = None, response: SchemaRef = None, status: int = 200,
            summary: str | None = None, query: SchemaRef = None, many: bool = False,
            tags: Iterable[str] | None = None, content_type: str = "application/json",
            responses: Mapping[int, str] | None = None) -> Callable:
    """Declare an endpoint's request body, query parameters and answer for the document."""

    def wrap(fn: Callable) -> Callable:
        setattr(fn, DOC_ATTR, {"body": body, "response": response, "status": status, "summary": summary,
                               "query": query, "many": many, "tags": list(tags or []),
                               "content_type": content_type, "responses": dict(responses or {})})
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


def _operation(view: Callable, method: str, path_params: list[dict[str, Any]]) -> dict[str, Any]:
    meta = getattr(view, DOC_ATTR, None) or {}
    doc = (view.__doc__ or "").strip()
    summary = meta.get("summary") or (doc.splitlines()[0] if doc else view.__name__.replace("_", " "))
    op: dict[str, Any] = {"summary": summary, "operationId": f"{method.lower()}_{view.__name__}",
                          "parameters": list(path_params)}
    if meta.get("tags"):
        op["tags"] = meta["tags"]
    if meta.get("query") is not None:
        op["parameters"].append({"in": "query", "schema": _schema_instance(meta["query"])})
    if meta.get("body") is not None:
        op["requestBody"] = {"required": True, "content": {
            meta.get("content_type", "application/json"): {"schema": _schema_instance(meta["body"])}}}
    status = str(meta.get("status", 200))
    answer: dict[str, Any] = {"description": "success"}
    if meta.get("response") is not None:
        answer["content"] = {"application/json": {"schema": _schema_instance(meta["response"], meta.get("many", False))}}
    op["responses"] = {status: answer}
    for code, text in (meta.get("responses") or {}).items():
        op["responses"][str(code)] = {"description": text, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if "default" not in op["responses"]:
        op["responses"]["default"] = {"description": "error", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    if not op["parameters"]:
        del op["parameters"]
    return op


def build_openapi(app: Flask, title: str, *, version: str = "1.0.0", prefix: str = "",
                  include: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """The OpenAPI 3 document of app's routes (static files and HEAD/OPTIONS left out)."""
    spec = APISpec(title=title, version=version, openapi_version=OPENAPI_VERSION,
                   plugins=[MarshmallowPlugin()])
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
        for method in sorted((rule.methods or set()) - _SKIP_METHODS):
            paths.setdefault(path, {})[method.lower()] = _operation(view, method, params)
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
                    if "operationId" in op:
                        op["operationId"] = f"{service}_{op['operationId']}"
                tagged[method] = op
            merged["paths"][prefix + path] = tagged
    return merged
