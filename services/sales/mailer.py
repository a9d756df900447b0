"""Sending a document by email through the SMTP server the environment names (the
connection and header rules are shared.mail's, also used by the campaign mailings)."""

from __future__ import annotations

from email.message import EmailMessage

from services.sales.config import SalesConfig
from shared.mail import MailFailed, SmtpServer, check_addresses, header_text, send, smtp_session

__all__ = ["MailFailed", "build_message", "header_text", "send_pdf"]


def build_message(cfg: SalesConfig, *, to: list[str], subject: str, body: str, filename: str, pdf: bytes,
                  cc: list[str] | None = None) -> EmailMessage:
    check_addresses([*to, *(cc or [])])  # the API's Email fields refuse these already
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
    server = SmtpServer(host=cfg.smtp_host, port=cfg.smtp_port, user=cfg.smtp_user, password=cfg.smtp_password,
                        starttls=cfg.smtp_starttls, sender=cfg.smtp_sender, timeout=cfg.smtp_timeout)
    with smtp_session(server) as smtp:
        refused = send(smtp, msg, [*to, *(cc or [])])
    if refused is not None:
        raise MailFailed(f"refused: {refused.code} {refused.message}")
