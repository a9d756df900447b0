"""Sending mail through the SMTP server the environment names (SMTP_HOST, SMTP_PORT,
SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS, SMTP_FROM, SMTP_TIMEOUT): the quote mailer of the
sales service and the campaign mailings of the customer service both use it.

A refusal of one recipient is told apart from a server that is down: `send` returns the
refusal (code and text) so a mailing records it as that recipient's bounce, and raises
MailFailed only when the message could not be handed over at all."""

from __future__ import annotations

import os
import re
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

# Line breaks of any kind (and other controls) in a header value would start a new header
# (CR/LF injection: "Bcc: ..."); the email package refuses them with a ValueError.
HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class SmtpServer:
    host: str = field(default_factory=lambda: _env("SMTP_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("SMTP_PORT", "25")))
    user: str = field(default_factory=lambda: _env("SMTP_USER", ""))
    password: str = field(default_factory=lambda: _env("SMTP_PASSWORD", ""))
    starttls: bool = field(default_factory=lambda: _env("SMTP_STARTTLS", "0") in ("1", "true", "yes"))
    sender: str = field(default_factory=lambda: _env("SMTP_FROM", "crm@crm.local"))
    timeout: float = field(default_factory=lambda: float(_env("SMTP_TIMEOUT", "10")))


class MailFailed(Exception):
    pass


@dataclass(frozen=True)
class Refusal:
    """The server refused a recipient: a 5xx code is a hard bounce (the address does not
    take mail), a 4xx one a soft bounce (try again later)."""

    code: int
    message: str

    @property
    def hard(self) -> bool:
        return 500 <= self.code < 600


def header_text(value: str, max_len: int = 300) -> str:
    """A header value on one line: breaks and control characters become one space (text
    from stored records must not break a header either)."""
    return HEADER_BREAKS.sub(" ", value).strip()[:max_len]


def check_addresses(addresses: list[str]) -> None:
    for address in addresses:
        if HEADER_BREAKS.search(address):
            raise ValueError("an address with a line break")


@contextmanager
def smtp_session(server: SmtpServer) -> Iterator[smtplib.SMTP]:
    """One connection (logged in when SMTP_USER is set, closed with QUIT after); MailFailed
    when it cannot be had or breaks."""
    try:
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"{type(exc).__name__}: {exc}") from exc
    try:
        with smtp:
            if server.starttls:
                smtp.starttls()
            if server.user:
                smtp.login(server.user, server.password)
            yield smtp
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"{type(exc).__name__}: {exc}") from exc


def send(smtp: smtplib.SMTP, msg: EmailMessage, to: list[str]) -> Refusal | None:
    """Hand one message over. When every recipient (or the message) is refused, the refusal
    is returned; a message some of several recipients took counts as sent. A broken
    connection raises MailFailed."""
    try:
        smtp.send_message(msg, to_addrs=to)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return Refusal(int(code), _text(text))
    except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
        return Refusal(int(exc.smtp_code), _text(exc.smtp_error))
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"{type(exc).__name__}: {exc}") from exc
    return None


def _text(value: bytes | str) -> str:
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))[:300]
