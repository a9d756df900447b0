"""The delivery worker (`python -m services.tracking webhooks`, its own process; never in a
request): claims due deliveries, POSTs them, records each attempt.

Durable retries: the queue is the webhook_deliveries table. A claim (one short transaction,
FOR UPDATE SKIP LOCKED, so any number of workers share the queue) pushes the delivery's
next_attempt_at past the attempt's timeout: that is its lease. The POST happens outside any
transaction; its result is written in another short one. A worker that dies mid-attempt
leaves the lease to run out and another attempt follows: at least once.

Nothing waits on a slow endpoint but its own deliveries: attempts run in a pool of
`senders` threads, each with a connect/read timeout, and at most `per_webhook` of them go to
one webhook at a time, so a hanging endpoint holds at most that many threads, for at most
the timeout each. 2xx is delivered; anything else (other statuses, redirects, timeouts,
refused addresses) is retried with back-off (domain/webhooks.RetryPolicy) until the retry
window is over, then the delivery is failed."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import requests
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.tracking.domain.webhooks import BadTarget, signature
from services.tracking.models import webhook_attempts
from services.tracking.webhooks.settings import WebhookSettings
from services.tracking.webhooks.targets import check_target

log = logging.getLogger("crm.tracking.webhooks")
USER_AGENT = "CRM-Webhooks/1"

_CLAIM = sa.text("""
UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => :lease)
FROM webhooks w
WHERE d.webhook_id = w.id AND d.id = (
    SELECT d2.id FROM webhook_deliveries d2 JOIN webhooks w2 ON w2.id = d2.webhook_id
    WHERE d2.status = 'pending' AND d2.next_attempt_at <= now() AND w2.active
      AND NOT (d2.webhook_id = ANY(CAST(:busy AS varchar[])))
    ORDER BY d2.next_attempt_at FOR UPDATE OF d2 SKIP LOCKED LIMIT 1)
RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.body, d.attempts,
          EXTRACT(EPOCH FROM now() - d.window_started_at)::float8 AS age, w.url, w.secret
""")

_DELIVERED = sa.text("""
UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, response_code = :code,
       last_error = NULL, last_attempt_at = :at, delivered_at = :at
WHERE id = :id AND status = 'pending'
""")

_FAILED_ATTEMPT = sa.text("""
UPDATE webhook_deliveries SET attempts = attempts + 1, response_code = :code, last_error = :error,
       last_attempt_at = :at,
       status = CASE WHEN :give_up THEN 'failed' ELSE 'pending' END,
       next_attempt_at = :at + make_interval(secs => :delay)
WHERE id = :id AND status = 'pending'
""")


class DeliveryWorker:
    def __init__(self, engine: Engine, settings: WebhookSettings | None = None):
        self.engine = engine
        self.settings = settings or WebhookSettings.from_env()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._busy: Counter[str] = Counter()  # webhook id -> attempts in flight here
        self._in_flight = 0
        self._local = threading.local()

    # ---- the loop ---------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        s = self.settings
        with ThreadPoolExecutor(max_workers=s.senders, thread_name_prefix="webhook-sender") as pool:
            while not self._stop.is_set():
                try:
                    claimed = self._claim_free(pool)
                except Exception:  # keep going: the database may come back
                    log.exception("claiming webhook deliveries failed")
                    claimed = 0
                if not claimed:
                    self._stop.wait(s.poll if self._in_flight < s.senders else 0.05)

    def _claim_free(self, pool: ThreadPoolExecutor) -> int:
        """Claim as many deliveries as there are free senders; each goes to the pool."""
        claimed = 0
        while not self._stop.is_set():
            with self._lock:
                if self._in_flight >= self.settings.senders:
                    return claimed
                busy = [w for w, n in self._busy.items() if n >= self.settings.per_webhook]
            job = self.claim(busy)
            if job is None:
                return claimed
            with self._lock:
                self._busy[job.webhook_id] += 1
                self._in_flight += 1
            pool.submit(self._attempt_then_release, job)
            claimed += 1
        return claimed

    def _attempt_then_release(self, job: Any) -> None:
        try:
            self.attempt(job)
        except Exception:  # the lease runs out and the delivery is tried again
            log.exception("webhook delivery %s: attempt failed unexpectedly", job.id)
        finally:
            with self._lock:
                self._busy[job.webhook_id] -= 1
                if self._busy[job.webhook_id] <= 0:
                    del self._busy[job.webhook_id]
                self._in_flight -= 1

    def run_until_idle(self, timeout: float = 30.0) -> None:
        """Tests: attempt due deliveries, one after another, until none is due (or timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.claim([])
            if job is None:
                return
            self.attempt(job)

    # ---- one delivery -----------------------------------------------------------------
    def claim(self, busy: list[str]) -> Any:
        lease = self.settings.timeout * 2 + 30
        with self.engine.begin() as conn:
            return conn.execute(_CLAIM, {"lease": lease, "busy": busy}).first()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # no proxy from the environment: the checked address is the one reached
        return session

    def attempt(self, job: Any) -> None:
        """POST one delivery and record the outcome."""
        body = job.body.encode("utf-8")
        started = time.monotonic()
        at = datetime.now(UTC)
        code: int | None = None
        error: str | None = None
        try:
            check_target(job.url, allow_loopback=self.settings.allow_loopback)
            timestamp = str(int(time.time()))
            response = self._session().post(
                job.url, data=body, timeout=self.settings.timeout, allow_redirects=False, stream=True,
                headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                         "X-CRM-Event": job.event_type, "X-CRM-Event-Id": job.event_id,
                         "X-CRM-Delivery": job.id, "X-CRM-Timestamp": timestamp,
                         "X-CRM-Signature": signature(job.secret, timestamp, body)})
            code = response.status_code
            response.close()  # the answer's body is not read
            if not 200 <= code < 300:
                error = f"answered {code}"
        except BadTarget as exc:
            error = f"refused target: {exc}"
        except requests.Timeout:
            error = f"no answer within {self.settings.timeout:g} s"
        except requests.RequestException as exc:
            error = f"connection failed: {type(exc).__name__}"
        self.record(job, at, code, error, int((time.monotonic() - started) * 1000))

    def record(self, job: Any, at: datetime, code: int | None, error: str | None, duration_ms: int) -> None:
        with self.engine.begin() as conn:
            if error is None:
                updated = conn.execute(_DELIVERED, {"id": job.id, "code": code, "at": at}).rowcount
            else:
                policy = self.settings.retry
                delay = policy.delay(job.attempts + 1)
                give_up = policy.gives_up(job.age, delay)
                updated = conn.execute(_FAILED_ATTEMPT, {"id": job.id, "code": code, "error": error[:500], "at": at,
                                                         "give_up": give_up, "delay": delay}).rowcount
                if give_up and updated:
                    log.warning("webhook %s: delivery %s of %s failed after %d attempts (%s)",
                                job.webhook_id, job.id, job.event_id, job.attempts + 1, error)
            if not updated:  # the webhook was deleted meanwhile (or the row is no longer pending)
                return
            conn.execute(sa.insert(webhook_attempts).values(
                delivery_id=job.id, attempted_at=at, response_code=code, error=error and error[:500],
                duration_ms=duration_ms))
