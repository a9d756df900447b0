"""Access tokens: pinned algorithm, audience, issuer, expiry, kid rotation."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from gateway.config import parse_keys
from gateway.tokens import InvalidToken, TokenService, bearer_token

KEY1 = "k1-secret-0123456789abcdef0123456789abcdef"
KEY2 = "k2-secret-0123456789abcdef0123456789abcdef"
SID = "0b7d3c1e-5a2f-4c8e-9d61-3f2a1b0c9e88"


def service(active: str = "k1", keys: dict[str, str] | None = None, **kw) -> TokenService:
    return TokenService(keys or {"k1": KEY1, "k2": KEY2}, active, kw.get("iss", "crm-gateway"),
                        kw.get("aud", "crm-api"), kw.get("ttl", 3600))


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(**over) -> dict:
    now = int(time.time())
    return {"sub": "7f1c1b7e-3c55-4f0e-9a0f-2d6a1c9b8e01", "role": "admin", "iat": now, "exp": now + 60,
            "iss": "crm-gateway", "aud": "crm-api", **over}


def test_issue_and_verify_round_trip():
    tokens = service()
    token = tokens.issue("user-1", "sales", SID)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    verified = tokens.verify(token)
    assert (verified.user_id, verified.role, verified.session_id) == ("user-1", "sales", SID)
    assert verified.expires_at - verified.issued_at == 3600


def test_tampered_payload_rejected():
    token = service().issue("user-1", "sales", SID)
    header, _payload, signature = token.split(".")
    forged = ".".join([header, b64(claims(role="admin", sub="user-1")), signature])
    with pytest.raises(InvalidToken):
        service().verify(forged)


def test_alg_none_rejected():
    token = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': 'k1'})}.{b64(claims())}."
    with pytest.raises(InvalidToken, match="algorithm"):
        service().verify(token)


def test_other_hmac_algorithm_rejected():
    token = jwt.encode(claims(), KEY1 * 2, algorithm="HS512", headers={"kid": "k1"})
    with pytest.raises(InvalidToken, match="algorithm"):
        service().verify(token)


def test_asymmetric_algorithm_claim_rejected():
    # An RS256/EdDSA header (the key-confusion attack) is refused before any key is used.
    header = b64({"alg": "RS256", "typ": "JWT", "kid": "k1"})
    with pytest.raises(InvalidToken):
        service().verify(f"{header}.{b64(claims())}.c2lnbmF0dXJl")


def test_expired_rejected():
    tokens = service(ttl=10)
    token = tokens.issue("user-1", "sales", SID, now=int(time.time()) - 3600)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)


def test_wrong_audience_and_issuer_rejected():
    with pytest.raises(InvalidToken):
        service().verify(service(aud="someone-else").issue("u", "sales", SID))
    with pytest.raises(InvalidToken):
        service().verify(service(iss="another-issuer").issue("u", "sales", SID))


def test_missing_claims_rejected():
    for missing in ("exp", "iat", "aud", "iss", "sub", "role"):
        body = claims()
        del body[missing]
        token = jwt.encode(body, KEY1, algorithm="HS256", headers={"kid": "k1"})
        with pytest.raises(InvalidToken):
            service().verify(token)


def test_unknown_or_missing_kid_rejected():
    token = jwt.encode(claims(), KEY1, algorithm="HS256", headers={"kid": "k9"})
    with pytest.raises(InvalidToken, match="key id"):
        service().verify(token)
    token = jwt.encode(claims(), KEY1, algorithm="HS256")
    with pytest.raises(InvalidToken, match="key id"):
        service().verify(token)


def test_kid_must_match_the_signing_key():
    token = jwt.encode(claims(), KEY1, algorithm="HS256", headers={"kid": "k2"})
    with pytest.raises(InvalidToken):
        service().verify(token)


def test_rotation_old_tokens_valid_while_key_listed():
    old = service(active="k1").issue("u", "sales", SID)
    rotated = service(active="k2")
    assert rotated.verify(old).user_id == "u"
    assert jwt.get_unverified_header(rotated.issue("u", "sales", SID))["kid"] == "k2"
    retired = service(active="k2", keys={"k2": KEY2})
    with pytest.raises(InvalidToken):
        retired.verify(old)


def test_bearer_header_parsing():
    assert bearer_token("Bearer abc.def") == "abc.def"
    assert bearer_token("bearer  abc") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None


def test_parse_keys():
    assert parse_keys(f"a:{KEY1}, b:{KEY2}") == {"a": KEY1, "b": KEY2}
    with pytest.raises(ValueError):
        parse_keys("a:short")
    with pytest.raises(ValueError):
        parse_keys("")


def test_cached_verification_still_checks_expiry():
    tokens = service(ttl=3600)
    token = tokens.issue("u", "sales", SID, now=int(time.time()) - 3599)
    assert tokens.verify(token).user_id == "u"  # verified and cached
    assert tokens.verify(token).user_id == "u"  # from the cache
    time.sleep(1.1)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)


def test_cache_does_not_accept_a_tampered_copy():
    tokens = service()
    token = tokens.issue("u", "sales", SID)
    tokens.verify(token)
    with pytest.raises(InvalidToken):
        tokens.verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_token_without_a_session_id_rejected():
    """Every access token names its session: a correctly signed token without `sid` (as
    issued before sessions existed) is refused."""
    headers = {"kid": "k1"}
    with pytest.raises(InvalidToken):
        service().verify(jwt.encode(claims(), KEY1, algorithm="HS256", headers=headers))
    with pytest.raises(InvalidToken):
        service().verify(jwt.encode(claims(sid=12), KEY1, algorithm="HS256", headers=headers))
    assert service().verify(jwt.encode(claims(sid=SID), KEY1, algorithm="HS256", headers=headers)).session_id == SID
