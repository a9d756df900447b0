"""Sending a document by email through the SMTP server the environment names."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from services.sales.config import SalesConfig


class MailFailed(Exception):
    pass


def send_pdf(cfg: SalesConfig, *, to: list[str], subject: str, body: str, filename: str, pdf: bytes,
             cc: list[str] | None = None) -> None:
    msg = EmailMessage()
    msg["From"] = cfg.smtp_sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg.set_content(body)
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.smtp_timeout) as smtp:
            if cfg.smtp_starttls:
                smtp.starttls()
            if cfg.smtp_user:
                smtp.login(cfg.smtp_user, cfg.smtp_password)
            smtp.send_message(msg, to_addrs=[*to, *(cc or [])])
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(f"{type(exc).__name__}: {exc}") from exc
