"""Where a webhook may be sent: the URL's shape (domain/webhooks.check_url) and, after
resolving its host, no private, loopback, link-local or otherwise non-public address
(SSRF). Checked when a webhook is registered or changed, and again before every attempt
(a name may be pointed elsewhere later); redirects are never followed."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from services.tracking.domain.webhooks import BadTarget, address_refused, check_url


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BadTarget("the host name does not resolve") from exc
    return sorted({info[4][0] for info in infos})


def check_target(url: str, *, allow_loopback: bool) -> None:
    """Raise BadTarget when the webhook may not be sent to `url`."""
    scheme, host = check_url(url, allow_loopback=allow_loopback)
    port = urlsplit(url.strip()).port or (443 if scheme == "https" else 80)
    addresses = resolve(host, port)
    if not addresses:
        raise BadTarget("the host name does not resolve")
    if any(address_refused(a, allow_loopback=allow_loopback) for a in addresses):
        raise BadTarget("must be a public address (private, loopback and link-local addresses are refused)")
