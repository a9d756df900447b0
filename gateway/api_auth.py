"""POST /auth/login, /auth/refresh, /auth/logout, GET /auth/me, POST /auth/password.

Where each token lives: the access token (JWT, at most 15 minutes) is sent by the client as
`Authorization: Bearer`; the refresh token is returned in the body, or, when the client asks
(`"remember": true` or `X-CRM-Client: portal`), set as an HttpOnly, SameSite=Strict cookie
scoped to /api/v1/auth, which page scripts cannot read and other sites cannot make the
browser send.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from gateway import ratelimit, sessions, user_store
from gateway.auth import API_PREFIX, current_user, verified_claims
from gateway.context import gateway_context
from gateway.passwords import needs_rehash, verify_password
from gateway.schemas import LoginIn, PasswordChangeIn, RefreshIn, TokenOut, UserOut
from gateway.users import public_view
from shared.errors import NotAuthenticated, RateLimited, ValidationFailed
from shared.openapi import api_doc
from shared.web import error_response, load

bp = Blueprint("gateway_auth", __name__, url_prefix="/api/v1/auth")
REFRESH_COOKIE = "crm_refresh"
COOKIE_PATH = f"{API_PREFIX}/auth"
CLIENT_HEADER = "X-CRM-Client"
PURGE_EVERY_S = 300
_last_purge = [0.0]


def client_address() -> str:
    return request.remote_addr or "unknown"


def _wants_cookie(data: dict) -> bool:
    return data.get("remember") is True or request.headers.get(CLIENT_HEADER, "").lower() == "portal"


def _set_refresh_cookie(response: Response, issued: sessions.IssuedSession) -> None:
    max_age = max(0, int(issued.expires_at.timestamp() - time.time()))
    response.set_cookie(REFRESH_COOKIE, issued.refresh_token, max_age=max_age, path=COOKIE_PATH,
                        secure=request.is_secure, httponly=True, samesite="Strict")


def _clear_refresh_cookie(response: Response) -> Response:
    response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH, secure=request.is_secure, httponly=True,
                           samesite="Strict")
    return response


def _token_answer(issued: sessions.IssuedSession, *, cookie: bool, must_change: bool = False,
                  user: dict[str, Any] | None = None) -> Response:
    ctx = gateway_context()
    answer = {"access_token": ctx.tokens.issue(issued.user_id, issued.role, issued.session_id),
              "token_type": "Bearer", "expires_in": ctx.tokens.ttl}
    if not cookie:
        answer["refresh_token"] = issued.refresh_token
    answer["refresh_expires_in"] = max(0, int(issued.expires_at.timestamp() - time.time()))
    if must_change:
        answer["password_change_required"] = True
    if user is not None:
        answer["user"] = user
    response = jsonify(answer)
    if cookie:
        _set_refresh_cookie(response, issued)
    return response


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


def _purge_now_and_then(conn) -> None:
    now = time.monotonic()
    if now - _last_purge[0] >= PURGE_EVERY_S:
        _last_purge[0] = now
        sessions.purge(conn)


@bp.post("/login")
@api_doc(body=LoginIn, response=TokenOut, summary="Log in: an access token and a refresh token (a new session)",
         responses={401: "wrong credentials", 429: "too many failed logins from this address (Retry-After)"})
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
        ratelimit.clear_failures(conn, username, client_address())
        if needs_rehash(user["password_hash"]):
            user_store.rehash_password(conn, user["id"], password)
        issued = sessions.create_session(conn, user, refresh_ttl_s=ctx.config.refresh_ttl_s,
                                         max_s=ctx.config.session_max_s,
                                         user_agent=request.headers.get("User-Agent"), address=client_address())
        _purge_now_and_then(conn)
    return _token_answer(issued, cookie=_wants_cookie(data), must_change=bool(user.get("must_change_password")))


def _refresh_token_given(data: dict) -> tuple[str | None, bool]:
    """(token, from_cookie): the body's refresh_token, else the cookie's."""
    if data.get("refresh_token"):
        return data["refresh_token"], False
    cookie = request.cookies.get(REFRESH_COOKIE)
    return (cookie, True) if cookie else (None, False)


def _refused(message: str, *, clear_cookie: bool) -> Response:
    response = error_response(401, "not_authenticated", message)
    return _clear_refresh_cookie(response) if clear_cookie else response


@bp.post("/refresh")
@api_doc(body=RefreshIn, response=TokenOut,
         summary="New tokens for a refresh token (rotated: the old one stops working; using it again "
                 "ends the whole session)",
         responses={401: "refresh token unknown, expired, revoked or already used (the session is then revoked)"})
def refresh():
    data = load(RefreshIn())
    token, from_cookie = _refresh_token_given(data)
    if not sessions.plausible_refresh_token(token):
        return _refused("a refresh token is required", clear_cookie=from_cookie)
    ctx = gateway_context()
    try:
        with ctx.engine.begin() as conn:
            issued, must_change = sessions.rotate(conn, token, refresh_ttl_s=ctx.config.refresh_ttl_s,
                                                  max_s=ctx.config.session_max_s)
            # the portal restores a session from its cookie: who it is comes in the same answer
            # (one round trip less before the first page; API clients ask /auth/me)
            user = public_view(user_store.get_user(conn, issued.user_id)) if from_cookie else None
    except sessions.RefreshRefused:
        with ctx.engine.begin() as conn:
            reused = sessions.revoke_if_reused(conn, token)
        message = ("this refresh token was already used: the session has been ended" if reused
                   else "the refresh token is unknown, expired or revoked")
        return _refused(message, clear_cookie=from_cookie)
    return _token_answer(issued, cookie=from_cookie or _wants_cookie(data), must_change=must_change, user=user)


@bp.post("/logout")
@api_doc(body=RefreshIn, status=204,
         summary="End the caller's session: its access and refresh tokens stop working at once",
         responses={401: "neither a valid bearer token nor a refresh token (body or cookie) named a session"})
def logout():
    data = load(RefreshIn())
    ctx = gateway_context()
    ended: set[str] = set()
    if request.headers.get("Authorization"):
        try:
            ended.add(verified_claims().session_id)
        except NotAuthenticated:
            pass  # an expired access token: the refresh token may still name the session
    token, _from_cookie = _refresh_token_given(data)
    with ctx.engine.begin() as conn:
        if sessions.plausible_refresh_token(token):
            ended.update(filter(None, [sessions.session_of_refresh_token(conn, token)]))
        for session_id in ended:
            sessions.revoke_session(conn, session_id, "logout")
    if not ended:
        return _refused("no session to end: send the bearer token or the refresh token", clear_cookie=True)
    return _clear_refresh_cookie(Response(status=204))


@bp.get("/me")
@api_doc(response=UserOut, summary="The caller (their whole record)")
def me():
    return jsonify(public_view(current_user()))


@bp.post("/password")
@api_doc(body=PasswordChangeIn, status=204,
         summary="Change the caller's password: every session of the caller ends (log in again)",
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
        user_store.change_password(conn, user["id"], data["new_password"])
    return _clear_refresh_cookie(Response(status=204))
