"""The suite's OpenAPI documents without a running suite (each service's routes on a
bare app: no database, no broker), and how complete a document is.

    python -m shared.testing.openapi_docs          # the counts of the merged document
"""

from __future__ import annotations

import json
import pkgutil
import sys
from importlib import import_module
from typing import Any

from flask import Blueprint, Flask

from shared.config import SERVICES
from shared.openapi import build_openapi, merge_documents
from shared.web import create_service_app

WRITES = {"post", "put", "patch", "delete"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def service_app(name: str) -> Flask:
    """A bare app with the service's blueprints (its real views, never called here)."""
    root = import_module(f"services.{name}.bootstrap").root
    return create_service_app(name, internal_secret="x" * 48, blueprints=root.blueprints())


def gateway_app() -> Flask:
    """A bare app with the gateway's own API blueprints (every gateway.api_* module's bp)."""
    import gateway

    app = Flask("gateway")
    for module in sorted(m.name for m in pkgutil.iter_modules(gateway.__path__) if m.name.startswith("api_")):
        bp: Blueprint = import_module(f"gateway.{module}").bp
        app.register_blueprint(bp)
    return app


def service_document(name: str) -> dict[str, Any]:
    app = service_app(name)
    with app.app_context():
        return build_openapi(app, f"CRM {name} service",
                             include=lambda rule: rule not in ("/openapi.json", "/healthz", "/readyz"))


def gateway_document() -> dict[str, Any]:
    from gateway.meta import gateway_documented

    app = gateway_app()
    with app.app_context():
        return build_openapi(app, "CRM suite API", include=gateway_documented)


def merged_document() -> dict[str, Any]:
    """What the gateway serves at /api/v1/openapi.json, built here."""
    return merge_documents(gateway_document(), {name: service_document(name) for name in SERVICES})


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in doc.get("paths", {}).items()
            for method, op in ops.items() if method in HTTP_METHODS]


def coverage(doc: dict[str, Any]) -> dict[str, Any]:
    """How many operations have a request body schema (of the writes), a schema for every
    2xx answer that has a body (of all), an error schema, a tag; and repeated operationIds."""
    ops = operations(doc)
    writes = [op for method, _, op in ops if method in WRITES]
    ids = [op.get("operationId") for _, _, op in ops]

    def answered(op: dict[str, Any]) -> bool:
        ok = [r for code, r in op.get("responses", {}).items() if code.startswith("2")]
        return bool(ok) and all(code == "204" or any(
            c.get("schema") for c in (r.get("content") or {}).values())
            for code, r in op["responses"].items() if code.startswith("2"))

    return {
        "operations": len(ops),
        "writes": len(writes),
        "writes_with_request_schema": sum(1 for op in writes if op.get("requestBody")),
        "with_response_schema": sum(1 for _, _, op in ops if answered(op)),
        "with_error_schema": sum(1 for _, _, op in ops if "default" in op.get("responses", {})),
        "tagged": sum(1 for _, _, op in ops if op.get("tags")),
        "repeated_operation_ids": sorted({i for i in ids if ids.count(i) > 1 or i is None}, key=str),
    }


if __name__ == "__main__":
    document = merged_document()
    if "--dump" in sys.argv:
        print(json.dumps(document, ensure_ascii=False, indent=1))
    else:
        print(json.dumps(coverage(document), indent=1))
