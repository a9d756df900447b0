"""Access tokens (JWT, HS256 by kid): issued at login and refresh, verified on every call.

A token names its user (`sub`) and its session (`sid`); it is short-lived (at most 15
minutes) and is worth nothing once its session is revoked: the gateway checks the session
on every request (gateway/sessions.py). Verification pins the algorithm (no `none`, no other algorithm, no public-key confusion:
only HMAC keys exist), requires exp/iat/iss/aud/sub/role and a known kid, and accepts
every configured key so keys can be rotated: sign with the active kid, keep the previous
one listed until the tokens it signed have expired.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import jwt

ALGORITHM = "HS256"
REQUIRED = ["exp", "iat", "iss", "aud", "sub", "sid"]


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    role: str
    issued_at: int
    expires_at: int
    session_id: str


VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True)
class TokenService:
    keys: dict[str, str]
    active_kid: str
    issuer: str
    audience: str
    ttl: int
    # token string -> claims already verified (same bytes, same signature); exp is still
    # checked on every use. Saves the HMAC and claim checks on the hot path.
    _verified: dict[str, TokenClaims] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def verify(self, token: str) -> TokenClaims:
        cached = self._verified.get(token)
        if cached is not None:
            if cached.expires_at > time.time():
                return cached
            raise InvalidToken("token expired")
        claims = self._verify_uncached(token)
        with self._lock:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        return claims

    def issue(self, user_id: str, role: str, session_id: str, *, now: int | None = None) -> str:
        now = int(time.time()) if now is None else now
        claims = {"sub": user_id, "sid": session_id, "role": role, "iat": now, "exp": now + self.ttl,
                  "iss": self.issuer, "aud": self.audience}
        return jwt.encode(claims, self.keys[self.active_kid], algorithm=ALGORITHM,
                          headers={"kid": self.active_kid})

    def _verify_uncached(self, token: str) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed token: {exc}") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("unexpected token algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or kid not in self.keys:
            raise InvalidToken("unknown key id")
        try:
            claims = jwt.decode(
                token, self.keys[kid], algorithms=[ALGORITHM], audience=self.audience, issuer=self.issuer,
                options={"require": REQUIRED},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if not all(isinstance(claims.get(name), str) for name in ("sub", "sid", "role")):
            raise InvalidToken("token lacks subject, session or role")
        return TokenClaims(claims["sub"], claims["role"], int(claims["iat"]), int(claims["exp"]), claims["sid"])


def bearer_token(header_value: str | None) -> str | None:
    """The token from an 'Authorization: Bearer <token>' header value."""
    if not header_value:
        return None
    scheme, _, token = header_value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
