"""Webhook rules with no I/O: event patterns, the signature, the retry schedule and the
shape of a target URL.

Patterns are AMQP topic patterns on the event type (`sales.order.*` one word,
`sales.#` any number of words, `#` everything), the same rule the consumers bind with.

The signature: `X-CRM-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with
the webhook's secret, where `<timestamp>` is the `X-CRM-Timestamp` header (Unix seconds)
and `<body>` the exact bytes POSTed. A receiver recomputes it, compares in constant time,
and refuses a timestamp more than REPLAY_WINDOW_S away from its clock (a replayed request
keeps its old timestamp: a new one breaks the signature). Deliveries are at least once: a
receiver drops an `event_id` it has already handled.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

REPLAY_WINDOW_S = 300  # documented for receivers: refuse timestamps further than this from now
MAX_PATTERNS = 50
MIN_SECRET = 16
MAX_SECRET = 200
MAX_URL = 2000
_WORD = re.compile(r"^[a-z0-9_]+$")


def pattern_problem(pattern: object) -> str | None:
    """Why a pattern is not usable, or None: dot-separated words of a-z, 0-9 and _, or * / #."""
    if not isinstance(pattern, str) or not pattern:
        return "must be a non-empty text"
    if len(pattern) > 120:
        return "at most 120 characters"
    for word in pattern.split("."):
        if word not in ("*", "#") and not _WORD.match(word):
            return "dot-separated words (a-z, 0-9, _), * for one word or # for any"
    return None


def topic_match(pattern: str, event_type: str) -> bool:
    """AMQP topic matching (shared.consumer.topic_match's rule, kept here free of I/O imports)."""
    p, w = pattern.split("."), event_type.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(p):
            return j == len(w)
        if p[i] == "#":
            return any(match(i + 1, k) for k in range(j, len(w) + 1))
        if j == len(w):
            return False
        return (p[i] == "*" or p[i] == w[j]) and match(i + 1, j + 1)

    return match(0, 0)


def matches(patterns: Iterable[str], event_type: str) -> bool:
    """Whether any pattern matches the event type."""
    return any(topic_match(p, event_type) for p in patterns)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-CRM-Signature value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str, now: float, *,
           window: int = REPLAY_WINDOW_S) -> bool:
    """What a receiver does: the signature matches and the timestamp is within the window."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > window:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off from `base` seconds, doubled per failed attempt up to `cap`, with
    up to 20 % jitter; after `window` seconds since the delivery was (re)queued it fails."""

    base: float = 10.0
    cap: float = 3600.0
    window: float = 86400.0

    def delay(self, attempts: int, rand: float | None = None) -> float:
        """Seconds before the next attempt after `attempts` failed ones (attempts >= 1)."""
        raw = min(self.cap, self.base * (2 ** max(0, attempts - 1)))
        jitter = random.random() if rand is None else rand  # noqa: S311 - spreading retries, not a secret
        return raw * (1 + 0.2 * jitter)

    def gives_up(self, age: float, next_delay: float) -> bool:
        """After a failed attempt `age` seconds into the window: no attempt is left in it."""
        return age + next_delay > self.window


class BadTarget(ValueError):
    """A URL a webhook may not be sent to (the message says why)."""


def check_url(url: object, *, allow_loopback: bool) -> tuple[str, str]:
    """The URL's (scheme, host) when it may be registered: https (http only to a loopback
    host when allow_loopback, for tests), no credentials in it. Addresses are checked
    after resolution (webhooks/targets.py)."""
    if not isinstance(url, str) or not url.strip():
        raise BadTarget("required")
    if len(url) > MAX_URL:
        raise BadTarget(f"at most {MAX_URL} characters")
    try:
        parts = urlsplit(url.strip())
        _ = parts.port
    except ValueError as exc:
        raise BadTarget("not a URL") from exc
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise BadTarget("must be an https:// URL")
    if parts.username or parts.password:
        raise BadTarget("must not carry a user name or password")
    if parts.scheme == "http" and not (allow_loopback and is_loopback_name(host)):
        raise BadTarget("must be an https:// URL")
    return parts.scheme, host


def is_loopback_name(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def address_refused(address: str, *, allow_loopback: bool) -> bool:
    """True for an address a webhook must not reach: private, loopback (unless allowed),
    link-local (cloud metadata), multicast, reserved or unspecified."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return not allow_loopback
    return (ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
            or not ip.is_global)
