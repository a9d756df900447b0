"""POST /auth/login, GET /auth/me, POST /auth/password."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from gateway import ratelimit, user_store
from gateway.auth import current_user
from gateway.context import gateway_context
from gateway.passwords import needs_rehash, verify_password
from gateway.schemas import LoginIn, PasswordChangeIn, TokenOut, UserOut
from gateway.users import public_view
from shared.errors import NotAuthenticated, RateLimited, ValidationFailed
from shared.openapi import api_doc
from shared.web import load

bp = Blueprint("gateway_auth", __name__, url_prefix="/api/v1/auth")


def client_address() -> str:
    return request.remote_addr or "unknown"


def _check_not_blocked(username: str) -> None:
    ctx = gateway_context()
    with ctx.engine.connect() as conn:
        wait = ratelimit.login_blocked(conn, ctx.login_limits, username, client_address())
    if wait:
        g.retry_after = wait
        raise RateLimited("too many failed logins; try again later", code="too_many_failed_logins",
                          details={"retry_after": wait})


def _record_failure(username: str) -> None:
    ctx = gateway_context()
    with ctx.engine.begin() as conn:
        ratelimit.record_failure(conn, ctx.login_limits, username, client_address())


@bp.post("/login")
@api_doc(body=LoginIn, response=TokenOut, summary="Log in: a bearer token",
         responses={401: "wrong credentials", 429: "too many failed logins"})
def login():
    data = load(LoginIn())
    pending_admin = current_app.extensions.get("gateway_first_admin")
    if pending_admin is not None:  # the database was down at start-up
        pending_admin()
        current_app.extensions.pop("gateway_first_admin", None)
    username, password = data["username"].strip(), data["password"]
    _check_not_blocked(username)
    ctx = gateway_context()
    with ctx.engine.connect() as conn:
        user = user_store.find_for_login(conn, username)
    ok = verify_password(user["password_hash"] if user else None, password)
    if not ok or not user or not user["active"]:
        _record_failure(username)
        raise NotAuthenticated("wrong username or password", code="invalid_credentials")
    with ctx.engine.begin() as conn:
        ratelimit.clear_failures(conn, username)
        if needs_rehash(user["password_hash"]):
            user_store.set_password(conn, user["id"], password)
    token = ctx.tokens.issue(user["id"], user["role"])
    answer = {"access_token": token, "token_type": "Bearer", "expires_in": ctx.config.jwt_ttl}
    if user.get("must_change_password"):
        answer["password_change_required"] = True
    return jsonify(answer)


@bp.get("/me")
@api_doc(response=UserOut, summary="The caller")
def me():
    return jsonify(public_view(current_user()))


@bp.post("/password")
@api_doc(body=PasswordChangeIn, status=204, summary="Change the caller's password",
         responses={422: "old password wrong or new one invalid", 429: "too many failures"})
def change_password():
    data = load(PasswordChangeIn())
    user = current_user()
    _check_not_blocked(user["username"])
    ctx = gateway_context()
    with ctx.engine.connect() as conn:
        stored = user_store.find_for_login(conn, user["username"])
    if not stored or not verify_password(stored["password_hash"], data["old_password"]):
        _record_failure(user["username"])
        raise ValidationFailed("the old password is wrong", details={"old_password": ["incorrect"]})
    with ctx.engine.begin() as conn:
        user_store.set_password(conn, user["id"], data["new_password"])
    ctx.user_cache.invalidate(user["id"])  # this worker at once; the others by NOTIFY
    return "", 204
