"""Sending a document by email through the SMTP server the environment names."""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage

from services.sales.config import SalesConfig

# Line breaks of any kind (and other controls) in a header value would start a new header
# (CR/LF injection: "Bcc: ..."); the email package refuses them with a ValueError.
_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


class MailFailed(Exception):
    pass


def header_text(value: str, max_len: int = 300) -> str:
    """A header value on one line: breaks and control characters become one space. The
    API refuses a subject with line breaks (422); this keeps text that came from stored
    records (a customer's name in the default subject) from breaking the header too."""
    return _HEADER_BREAKS.sub(" ", value).strip()[:max_len]


def build_message(cfg: SalesConfig, *, to: list[str], subject: str, body: str, filename: str, pdf: bytes,
                  cc: list[str] | None = None) -> EmailMessage:
    for address in [*to, *(cc or [])]:
        if _HEADER_BREAKS.search(address):
            raise ValueError("an address with a line break")  # the API's Email fields refuse these
    msg = EmailMessage()
    msg["From"] = header_text(cfg.smtp_sender)
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = header_text(subject)
    msg.set_content(body)
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=header_text(filename, 200))
    return msg


def send_pdf(cfg: SalesConfig, *, to: list[str], subject: str, body: str, filename: str, pdf: bytes,
             cc: list[str] | None = None) -> None:
    msg = build_message(cfg, to=to, subject=subject, body=body, filename=filename, pdf=pdf, cc=cc)
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout) as smtp:
            if cfg.smtp_starttls:
                smtp.starttls()
            if cfg.smtp_user:
                smtp.login(cfg.smtp_user, cfg.smtp_password)
            smtp.send_message(msg, to_addrs=[*to, *(cc or [])])
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"{type(exc).__name__}: {exc}") from exc
