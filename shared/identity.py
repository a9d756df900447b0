"""The caller's identity as the gateway passes it to the services.

The gateway signs a short-lived internal token (HS256 with a secret only the gateway and
the services share) into the X-CRM-Identity header; a service trusts no other source.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

IDENTITY_HEADER = "X-CRM-Identity"
REQUEST_ID_HEADER = "X-Request-ID"
INTERNAL_AUDIENCE = "crm-internal"
INTERNAL_ISSUER = "crm-gateway"
INTERNAL_TTL_SECONDS = 60
# A call the gateway passes on WITHOUT a user (a public path such as a calendar feed read
# through its secret URL): signed for this audience, so it can never pass as a user's identity.
PUBLIC_CALL_AUDIENCE = "crm-internal-public"

ROLES = ("admin", "manager", "sales", "finance", "warehouse")


class InvalidIdentity(Exception):
    pass


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: str
    username: str = ""
    region: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def sign_identity(principal: Principal, secret: str, *, ttl: int = INTERNAL_TTL_SECONDS) -> str:
    now = int(time.time())
    claims = {
        "sub": principal.user_id,
        "role": principal.role,
        "usr": principal.username,
        "rgn": principal.region,
        "iat": now,
        "exp": now + ttl,
        "aud": INTERNAL_AUDIENCE,
        "iss": INTERNAL_ISSUER,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_identity(token: str, secret: str) -> Principal:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], audience=INTERNAL_AUDIENCE, issuer=INTERNAL_ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidIdentity(str(exc)) from exc
    role = claims.get("role")
    if role not in ROLES:
        raise InvalidIdentity("unknown role")
    return Principal(user_id=claims["sub"], role=role, username=claims.get("usr", ""), region=claims.get("rgn", ""))


def sign_public_call(secret: str, *, ttl: int = INTERNAL_TTL_SECONDS) -> str:
    """The X-CRM-Identity of a call with no user: it proves only that the gateway sent it."""
    now = int(time.time())
    claims = {"sub": "public", "iat": now, "exp": now + ttl, "aud": PUBLIC_CALL_AUDIENCE, "iss": INTERNAL_ISSUER}
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_public_call(token: str, secret: str) -> None:
    try:
        jwt.decode(token, secret, algorithms=["HS256"], audience=PUBLIC_CALL_AUDIENCE, issuer=INTERNAL_ISSUER,
                   options={"require": ["exp", "iat", "sub", "aud", "iss"]})
    except jwt.PyJWTError as exc:
        raise InvalidIdentity(str(exc)) from exc
