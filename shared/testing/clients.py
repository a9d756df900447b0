"""Helpers for service-level tests: call a service's Flask app as a given user (with the
identity header only the gateway could sign), and seed the local visibility copies."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask
from sqlalchemy.engine import Engine

from shared.identity import IDENTITY_HEADER, Principal, sign_identity
from shared.visibility import upsert_customer, upsert_user


def new_user(role: str, *, manager_id: str | None = None, username: str | None = None) -> dict[str, Any]:
    uid = str(uuid.uuid4())
    return {"id": uid, "username": username or f"{role}-{uid[:6]}", "full_name": f"{role} {uid[:4]}",
            "role": role, "manager_id": manager_id, "active": True, "region": "cn-east"}


class ServiceClient:
    """A Flask test client that calls as one user: client.get("/things")."""

    def __init__(self, app: Flask, user: dict[str, Any], secret: str):
        self._client = app.test_client()
        self.user = user
        self._secret = secret

    @property
    def principal(self) -> Principal:
        return Principal(self.user["id"], self.user["role"], self.user.get("username", ""), "cn-east")

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {IDENTITY_HEADER: sign_identity(self.principal, self._secret)}
        headers.update(extra or {})
        return headers

    def open(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any):
        return self._client.open(path, method=method, headers=self._headers(headers), **kw)

    def get(self, path: str, **kw: Any):
        return self.open("GET", path, **kw)

    def post(self, path: str, **kw: Any):
        return self.open("POST", path, **kw)

    def patch(self, path: str, **kw: Any):
        return self.open("PATCH", path, **kw)

    def put(self, path: str, **kw: Any):
        return self.open("PUT", path, **kw)

    def delete(self, path: str, **kw: Any):
        return self.open("DELETE", path, **kw)


def seed_users(engine: Engine, *users: dict[str, Any]) -> None:
    """Put users into a service's local copy (as gateway.user.* events would)."""
    with engine.begin() as conn:
        for user in users:
            upsert_user(conn, user)


def seed_customer(engine: Engine, owner_id: str, *, customer_id: str | None = None, name: str = "测试客户",
                  shared_with: list[str] | None = None, status: str = "active") -> str:
    """Put a customer's owner and shares into a service's local copy."""
    cid = customer_id or str(uuid.uuid4())
    with engine.begin() as conn:
        upsert_customer(conn, cid, owner_id, name, status, shared_with or [])
    return cid
