"""The campaign mailing worker (issue 16): claims queued mailings (FOR UPDATE SKIP LOCKED)
and sends their recipients' messages through the SMTP server (shared.mail), at most
`rate` messages per second, in batches. Per recipient:

- an address that unsubscribed or bounced hard before is skipped (counted in `skipped`);
- a message the server takes is `sent`: the member is reached, customer.campaign.mail_sent
  (on the customer's timeline when the member has a customer);
- a 5xx refusal is a hard bounce: recorded on the member and as a suppressed address (later
  mailings skip it), customer.campaign.mail_bounced; a 4xx one is an error of this mailing.

Each batch's results, events and progress commit together. The messages of a batch are
handed to the server before that commit, so a worker killed in between sends those few
again when the job is taken over (at least once; a running job whose heartbeat is older
than `stale_after` seconds is taken over). A server that cannot be reached fails the job
with the reason; what was sent stays recorded."""

from __future__ import annotations

import logging
import threading
import time
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Engine

from services.customer.domain.campaigns import email_key, unsubscribe_token
from services.customer.models import (
    campaign_mail_recipients,
    campaign_mailings,
    campaign_members,
    campaigns,
    email_suppressions,
)
from shared.background import work_until_stopped
from shared.mail import MailFailed, SmtpServer, header_text, send, smtp_session
from shared.outbox import EventContext, NewEvent, Outbox

log = logging.getLogger("crm.customer.mail")
MAX_ATTEMPTS = 3
MAX_STORED_ERRORS = 1000

_CLAIM = sa.text("""
UPDATE campaign_mailings SET status = 'running', attempts = attempts + 1, heartbeat_at = now()
WHERE id = (
    SELECT id FROM campaign_mailings
    WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => :stale))
    ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id, campaign_id, subject, body, created_by, correlation_id, attempts
""")

_PENDING = sa.text("""
SELECT r.seq, r.member_type, r.member_id, r.customer_id, r.email,
       coalesce(ct.name, cu.name, l.name, r.email) AS member_name
FROM campaign_mail_recipients r
LEFT JOIN contacts ct ON r.member_type = 'contact' AND ct.id = r.member_id
LEFT JOIN customers cu ON r.member_type = 'customer' AND cu.id = r.member_id
LEFT JOIN leads l ON r.member_type = 'lead' AND l.id = r.member_id
WHERE r.mailing_id = :job AND r.seq > :last ORDER BY r.seq LIMIT :n
""")


class Pacer:
    """At most `rate` calls of wait() per second."""

    def __init__(self, rate: float, clock: Any = time.monotonic, sleep: Any = time.sleep):
        self.interval = 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self.next_at = 0.0

    def wait(self) -> None:
        now = self.clock()
        if self.next_at > now:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


class MailingWorker:
    def __init__(self, engine: Engine, outbox: Outbox, *, secret: str, smtp: SmtpServer | None = None,
                 rate: float = 5.0, public_url: str = "http://127.0.0.1:8080", batch_size: int = 20,
                 poll: float = 1.0, stale_after: float = 120.0):
        self.engine = engine
        self.outbox = outbox
        self.secret = secret
        self.smtp = smtp or SmtpServer()
        self.pacer = Pacer(rate)
        self.public_url = public_url.rstrip("/")
        self.batch_size = batch_size
        self.poll = poll
        self.stale_after = stale_after
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        work_until_stopped(self._stop, self.run_once, self.poll, log, "mail worker")

    def run_once(self) -> bool:
        """Claim and send one mailing. False when there was none."""
        with self.engine.begin() as conn:
            job = conn.execute(_CLAIM, {"stale": self.stale_after}).first()
            campaign = conn.execute(sa.select(campaigns.c.id, campaigns.c.name)
                                    .where(campaigns.c.id == job.campaign_id)).first() if job else None
        if job is None:
            return False
        if job.attempts > MAX_ATTEMPTS:
            self._finish(job, "failed", "the mailing was interrupted too often")
            return True
        try:
            while not self._stop.is_set():
                if not self._batch(job, campaign):
                    self._finish(job, "done", None)
                    break
        except MailFailed as exc:
            log.warning("mailing %s: the mail server failed: %s", job.id, exc)
            self._finish(job, "failed", f"the mail server could not be reached: {exc}"[:500])
        except _LostJob:
            log.warning("mailing %s was taken over by another worker", job.id)
        return True

    def unsubscribe_link(self, address: str, campaign_id: str) -> str:
        return f"{self.public_url}/api/v1/campaigns/unsubscribe/{unsubscribe_token(self.secret, address, campaign_id)}"

    def message(self, job: Any, address: str) -> EmailMessage:
        link = self.unsubscribe_link(address, job.campaign_id)
        msg = EmailMessage()
        msg["From"] = header_text(self.smtp.sender)
        msg["To"] = address
        msg["Subject"] = header_text(job.subject)
        msg["List-Unsubscribe"] = f"<{link}>"
        msg.set_content(f"{job.body}\n\n--\n不想再收到此类邮件？退订 / Unsubscribe: {link}\n")
        return msg

    # ---- one batch ----------------------------------------------------------------------
    def _batch(self, job: Any, campaign: Any) -> bool:
        with self.engine.connect() as conn:
            last = conn.execute(sa.select(campaign_mailings.c.last_seq)
                                .where(campaign_mailings.c.id == job.id)).scalar_one()
            items = conn.execute(_PENDING, {"job": job.id, "last": last, "n": self.batch_size}).all()
            if not items:
                return False
            keys = [email_key(i.email) for i in items]
            suppressed = {r.email_key: r.reason for r in conn.execute(
                sa.select(email_suppressions).where(email_suppressions.c.email_key.in_(keys)))}
        outcomes: list[tuple[Any, str, str | None]] = []  # (item, status, detail)
        try:
            with smtp_session(self.smtp) as smtp:
                for item in items:
                    reason = suppressed.get(email_key(item.email))
                    if reason:
                        outcomes.append((item, "skipped", reason))
                        continue
                    self.pacer.wait()
                    refused = send(smtp, self.message(job, item.email), [item.email])
                    if refused is None:
                        outcomes.append((item, "sent", None))
                    else:
                        outcomes.append((item, "bounced" if refused.hard else "failed",
                                         f"{refused.code} {refused.message}"[:300]))
        except MailFailed:
            if len(outcomes) == len(items):  # every message was handed over; only the goodbye failed
                self._record(job, campaign, outcomes)
                return True
            if outcomes:  # what went out before the server failed stays recorded
                self._record(job, campaign, outcomes)
            raise
        self._record(job, campaign, outcomes)
        return True

    def _record(self, job: Any, campaign: Any, outcomes: list[tuple[Any, str, str | None]]) -> None:
        ctx = EventContext(actor_id=job.created_by, correlation_id=job.correlation_id or job.id)
        events: list[NewEvent] = []
        errors: list[dict[str, Any]] = []
        counts = {"sent": 0, "skipped": 0, "bounced": 0}
        with self.engine.begin() as conn:
            for item, status, detail in outcomes:
                conn.execute(campaign_mail_recipients.update().where(
                    campaign_mail_recipients.c.mailing_id == job.id, campaign_mail_recipients.c.seq == item.seq)
                    .values(status=status, detail=detail))
                member = sa.and_(campaign_members.c.campaign_id == job.campaign_id,
                                 campaign_members.c.member_type == item.member_type,
                                 campaign_members.c.member_id == item.member_id)
                data = {"campaign_id": job.campaign_id, "campaign_name": campaign.name, "member_type": item.member_type,
                        "member_id": item.member_id, "customer_id": item.customer_id,
                        "member_name": item.member_name, "mailing_id": job.id, "subject": job.subject}
                if status == "sent":
                    counts["sent"] += 1
                    conn.execute(campaign_members.update().where(member, campaign_members.c.reached_at.is_(None))
                                 .values(reached_at=sa.func.now()))
                    events.append(NewEvent("customer.campaign.mail_sent", "campaign", job.campaign_id, data,
                                           customer_id=item.customer_id))
                elif status == "skipped":
                    counts["skipped"] += 1
                elif status == "bounced":
                    counts["bounced"] += 1
                    conn.execute(campaign_members.update().where(member)
                                 .values(bounced_at=sa.func.now(), bounce_reason=detail))
                    conn.execute(pg_insert(email_suppressions).values(
                        email_key=email_key(item.email), reason="bounced", campaign_id=job.campaign_id,
                        detail=detail).on_conflict_do_nothing())
                    events.append(NewEvent("customer.campaign.mail_bounced", "campaign", job.campaign_id,
                                           {**data, "reason": detail or ""}, customer_id=item.customer_id))
                    errors.append({"seq": item.seq, "member_type": item.member_type, "member_id": item.member_id,
                                   "code": "bounced", "message": detail})
                else:
                    errors.append({"seq": item.seq, "member_type": item.member_type, "member_id": item.member_id,
                                   "code": "refused", "message": detail})
            self.outbox.add_many(conn, ctx, events)
            done = conn.execute(
                campaign_mailings.update()
                .where(campaign_mailings.c.id == job.id, campaign_mailings.c.attempts == job.attempts,
                       campaign_mailings.c.status == "running")
                .values(processed=campaign_mailings.c.processed + len(outcomes),
                        sent=campaign_mailings.c.sent + counts["sent"],
                        skipped=campaign_mailings.c.skipped + counts["skipped"],
                        bounced=campaign_mailings.c.bounced + counts["bounced"],
                        last_seq=outcomes[-1][0].seq,
                        error_count=campaign_mailings.c.error_count + len(errors),
                        errors=sa.case(
                            (sa.func.jsonb_array_length(campaign_mailings.c.errors) < MAX_STORED_ERRORS,
                             campaign_mailings.c.errors.op("||")(sa.bindparam(None, errors, type_=JSONB))),
                            else_=campaign_mailings.c.errors),
                        heartbeat_at=sa.func.now())
            ).rowcount
            if not done:
                raise _LostJob()

    def _finish(self, job: Any, status: str, message: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(campaign_mailings.update().where(campaign_mailings.c.id == job.id,
                                                          campaign_mailings.c.attempts == job.attempts)
                         .values(status=status, message=message, finished_at=sa.func.now()))


class _LostJob(Exception):
    pass
