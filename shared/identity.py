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
