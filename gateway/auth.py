"""Who is calling: the bearer token checked on every /api/v1 call but the public ones,
the caller's user and session loaded in one query (refused when the session was revoked
or the user deactivated), the per-user rate limit."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from flask import g, request

from gateway.context import gateway_context
from gateway.sessions import load_caller
from gateway.tokens import InvalidToken, TokenClaims, bearer_token
from shared.errors import Forbidden, NotAuthenticated, RateLimited
from shared.identity import INTERNAL_TTL_SECONDS, REQUEST_ID_HEADER, Principal, sign_identity

API_PREFIX = "/api/v1"
# /auth/refresh and /auth/logout authenticate themselves (a refresh token, or a bearer token
# when there is one): an expired access token must not stop a logout.
PUBLIC_API_PATHS = {f"{API_PREFIX}/auth/login", f"{API_PREFIX}/auth/refresh", f"{API_PREFIX}/auth/logout",
                    f"{API_PREFIX}/openapi.json", f"{API_PREFIX}/docs"}
PUBLIC_API_PREFIXES = (f"{API_PREFIX}/docs/",)
# GET calls read through a secret URL rather than a bearer token (a phone's calendar app
# subscribed to the feed): passed on to the service as a public call (shared.identity),
# which checks the secret itself.
PUBLIC_FEEDS = re.compile(rf"^{API_PREFIX}/calendar/feed/[A-Za-z0-9_\-]{{16,128}}\.ics$"
                          # a campaign message's unsubscribe link (a signed token; services/customer)
                          rf"|^{API_PREFIX}/campaigns/unsubscribe/[A-Za-z0-9_\-]{{16,400}}\.[A-Za-z0-9_\-]{{16,100}}$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
# What a user whose password must be changed (a generated first-admin password) may call.
PASSWORD_CHANGE_PATHS = {f"{API_PREFIX}/auth/me", f"{API_PREFIX}/auth/password", f"{API_PREFIX}/auth/logout"}


def assign_request_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _REQUEST_ID.match(given) else str(uuid.uuid4())
    return g.request_id


def needs_auth(path: str, method: str = "GET") -> bool:
    if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
        return False
    if method == "GET" and is_public_feed(path):
        return False
    return path not in PUBLIC_API_PATHS and not path.startswith(PUBLIC_API_PREFIXES)


def is_public_feed(path: str) -> bool:
    return PUBLIC_FEEDS.match(path) is not None


def verified_claims() -> TokenClaims:
    """The claims of the request's bearer token (signature, expiry, issuer, audience checked)."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        raise NotAuthenticated("a bearer token is required")
    try:
        claims = gateway_context().tokens.verify(token)
        uuid.UUID(claims.user_id)
    except (InvalidToken, ValueError) as exc:
        raise NotAuthenticated(f"invalid token: {exc}") from None
    return claims


def authenticate() -> dict[str, Any]:
    """The active user of the live session named by the request's bearer token, or
    NotAuthenticated. Reads the database on every request (one query, no cache), so a
    revocation committed by any worker holds for the next request on every worker."""
    claims = verified_claims()
    ctx = gateway_context()
    user = load_caller(ctx.auth_engine, claims.session_id, claims.user_id)
    if user is None:
        raise NotAuthenticated("the session has ended or the user is deactivated")
    if user.get("must_change_password") and request.path not in PASSWORD_CHANGE_PATHS:
        raise Forbidden("change your password first (POST /auth/password)", code="password_change_required")
    g.user = user
    g.session_id = claims.session_id
    g.principal = Principal(user["id"], user["role"], user["username"], user["region"] or ctx.settings.region)
    wait = ctx.user_limiter.hit(user["id"])
    if wait:
        g.retry_after = wait
        raise RateLimited("too many requests", details={"retry_after": wait})
    return user


def current_user() -> dict[str, Any]:
    user = g.get("user")
    if user is None:
        raise NotAuthenticated("not authenticated")
    return user


_identities: dict[tuple[Principal, str], tuple[float, str]] = {}
IDENTITY_REUSE_S = INTERNAL_TTL_SECONDS / 2


def identity_header(principal: Principal, secret: str) -> str:
    """The signed X-CRM-Identity for a caller; a token is reused for half its 60 s life
    (it names the caller's current role: a role change makes a new Principal)."""
    now = time.monotonic()
    cached = _identities.get((principal, secret))
    if cached is not None and cached[0] > now:
        return cached[1]
    token = sign_identity(principal, secret)
    if len(_identities) > 10_000:
        _identities.clear()
    _identities[(principal, secret)] = (now + IDENTITY_REUSE_S, token)
    return token
