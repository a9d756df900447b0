"""The import worker: claims queued import jobs (FOR UPDATE SKIP LOCKED) and imports
them in batches. Each batch is one transaction: customers, contacts, the visibility
copy, the events and the job's progress counters commit together, so a crash loses
nothing and a restarted worker resumes the job where its last batch ended (a job whose
heartbeat is older than `stale_after` seconds is taken over)."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine

from services.customer.domain.importfile import FileProblem, ImportRow, read_rows, validate_row
from services.customer.domain.normalize import search_text
from services.customer.models import import_jobs
from shared import events
from shared.envelope import ENVELOPE_FIELDS, Envelope, new_id, utcnow
from shared.outbox import NOTIFY_CHANNEL, EventContext, Outbox

log = logging.getLogger("crm.customer.import")
MAX_ATTEMPTS = 3
MAX_STORED_ERRORS = 10000

_CLAIM = sa.text("""
UPDATE import_jobs SET status = 'running', attempts = attempts + 1, heartbeat_at = now()
WHERE id = (
    SELECT id FROM import_jobs
    WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < now() - make_interval(secs => :stale))
    ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id, created_by, owner_id, filename, content, correlation_id, processed, attempts
""")

# Rows travel as one JSON document per statement (jsonb_to_recordset): far cheaper than
# binding arrays or executemany for thousands of rows.
_INSERT_CUSTOMERS = sa.text("""
INSERT INTO customers (id, name, name_key, search_text, industry, phone, phone_key, address, category,
                       owner_id, status, created_by)
SELECT t.id, t.name, t.name_key, t.search_text, t.industry, t.phone, t.phone_key, t.address, t.category,
       :owner, 'active', :creator
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, name varchar, name_key varchar,
     search_text varchar, industry varchar, phone varchar, phone_key varchar, address varchar, category varchar)
ON CONFLICT (name_key) WHERE deleted_at IS NULL DO NOTHING
RETURNING id, created_at, updated_at
""")

_INSERT_CONTACTS = sa.text("""
INSERT INTO contacts (id, customer_id, name, search_text, phone, email, is_decision_maker, created_by)
SELECT t.id, t.customer_id, t.name, t.search_text, t.phone, t.email, false, :creator
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, customer_id varchar, name varchar,
     search_text varchar, phone varchar, email varchar)
""")

_INSERT_ACL = sa.text("""
INSERT INTO acl_customers (customer_id, owner_id, name, status)
SELECT t.id, :owner, t.name, 'active' FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, name varchar)
ON CONFLICT (customer_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, name = EXCLUDED.name, status = EXCLUDED.status
""")

_INSERT_SEQS = sa.text("""
INSERT INTO aggregate_sequences (aggregate_type, aggregate_id, seq)
SELECT t.aggregate_type, t.aggregate_id, 1
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(aggregate_type varchar, aggregate_id varchar)
""")

_INSERT_OUTBOX = sa.text("""
INSERT INTO outbox (event_id, routing_key, payload)
SELECT t.event_id, t.routing_key, t.payload
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(event_id varchar, routing_key varchar, payload jsonb)
""")


def _rows(items: list[dict[str, Any]], names: Iterable[str]) -> str:
    names = tuple(names)
    return json.dumps([{n: item[n] for n in names} for item in items], ensure_ascii=False)


def _envelope_dict(e: Envelope) -> dict[str, Any]:
    """Envelope.to_dict() without dataclasses.asdict's deep copy (hot in big imports)."""
    return {name: getattr(e, name) for name in ENVELOPE_FIELDS}


class ImportWorker:
    def __init__(self, engine: Engine, outbox: Outbox, *, batch_size: int = 5000, poll: float = 0.5,
                 stale_after: float = 120.0):
        self.engine = engine
        self.outbox = outbox
        self.batch_size = batch_size
        self.poll = poll
        self.stale_after = stale_after
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # noqa: BLE001 - keep the loop alive; the job is retried later
                log.exception("import worker iteration failed")
                worked = False
            if not worked:
                self._stop.wait(self.poll)

    def run_once(self) -> bool:
        """Claim and process one job. False when there was none."""
        with self.engine.begin() as conn:
            job = conn.execute(_CLAIM, {"stale": self.stale_after}).first()
        if job is None:
            return False
        if job.attempts > MAX_ATTEMPTS:
            self._finish(job, "failed", "the job was interrupted too often")
            return True
        try:
            self._process(job)
        except FileProblem as exc:
            self._finish(job, "failed", str(exc), errors=[{"row": 1, "message": str(exc)}])
        except _LostJob:
            log.warning("import job %s was taken over by another worker", job.id)
        return True

    # ---- one job ----------------------------------------------------------------------
    def _process(self, job: Any) -> None:
        rows = list(read_rows(job.content or b"", job.filename or ""))
        with self.engine.begin() as conn:
            conn.execute(import_jobs.update().where(import_jobs.c.id == job.id).values(total=len(rows)))
        seen: set[str] = set()
        for number, values in rows[: job.processed]:  # resuming: rows done before
            checked = validate_row(number, values)
            if isinstance(checked, ImportRow):
                seen.add(checked.name_key)
        ctx = EventContext(actor_id=job.created_by, correlation_id=job.correlation_id or job.id)
        for start in range(job.processed, len(rows), self.batch_size):
            if self._stop.is_set():
                return  # resumed by the next claim once the heartbeat is stale
            self._batch(job, ctx, rows[start: start + self.batch_size], seen)
        self._finish(job, "done", None)

    def _batch(self, job: Any, ctx: EventContext, batch: list[tuple[int, dict[str, str]]], seen: set[str]) -> None:
        errors: list[dict[str, Any]] = []
        candidates: list[ImportRow] = []
        duplicates = 0
        for number, values in batch:
            checked = validate_row(number, values)
            if isinstance(checked, str):
                errors.append({"row": number, "message": checked})
            elif checked.name_key in seen:
                duplicates += 1
            else:
                seen.add(checked.name_key)
                candidates.append(checked)
        with self.engine.begin() as conn:
            created = self._insert(conn, job, ctx, candidates) if candidates else 0
            duplicates += len(candidates) - created
            done = conn.execute(
                import_jobs.update()
                .where(import_jobs.c.id == job.id, import_jobs.c.attempts == job.attempts,
                       import_jobs.c.status == "running")
                .values(processed=import_jobs.c.processed + len(batch), created=import_jobs.c.created + created,
                        duplicates=import_jobs.c.duplicates + duplicates,
                        error_count=import_jobs.c.error_count + len(errors),
                        errors=sa.case(
                            (sa.func.jsonb_array_length(import_jobs.c.errors) < MAX_STORED_ERRORS,
                             import_jobs.c.errors.op("||")(sa.bindparam(None, errors, type_=JSONB))),
                            else_=import_jobs.c.errors),
                        heartbeat_at=sa.func.now())
            ).rowcount
            if not done:
                raise _LostJob()

    def _insert(self, conn: Connection, job: Any, ctx: EventContext, rows: list[ImportRow]) -> int:
        items = [{**row.__dict__, "id": str(uuid.uuid4())} for row in rows]
        inserted = conn.execute(_INSERT_CUSTOMERS, {
            "owner": job.owner_id, "creator": job.created_by,
            "rows": _rows(items, ("id", "name", "name_key", "search_text", "industry", "phone", "phone_key",
                                  "address", "category")),
        }).all()
        if not inserted:
            return 0
        stamps = {r.id: r for r in inserted}
        created = [item for item in items if item["id"] in stamps]
        contacts = [{"id": str(uuid.uuid4()), "customer_id": c["id"], "name": c["contact_name"],
                     "search_text": search_text(c["contact_name"]), "phone": c["contact_phone"],
                     "email": c["contact_email"]} for c in created if c["contact_name"]]
        if contacts:
            conn.execute(_INSERT_CONTACTS, {"creator": job.created_by, "rows": _rows(
                contacts, ("id", "customer_id", "name", "search_text", "phone", "email"))})
        conn.execute(_INSERT_ACL, {"owner": job.owner_id, "rows": _rows(created, ("id", "name"))})
        envelopes = [self._envelope(ctx, "customer.customer.created", "customer", c["id"], c["id"],
                                    _snapshot(c, job.owner_id, stamps[c["id"]])) for c in created]
        envelopes += [self._envelope(ctx, "customer.contact.created", "contact", k["id"], k["customer_id"],
                                     {"id": k["id"], "customer_id": k["customer_id"], "name": k["name"],
                                      "title": None, "phone": k["phone"], "email": k["email"],
                                      "is_decision_maker": False}) for k in contacts]
        # the payloads are built by one function each: checking the first of each kind keeps the contract
        events.validate(envelopes[0].event_type, envelopes[0].data)
        if contacts:
            events.validate(envelopes[len(created)].event_type, envelopes[len(created)].data)
        conn.execute(_INSERT_SEQS, {"rows": json.dumps(
            [{"aggregate_type": e.aggregate_type, "aggregate_id": e.aggregate_id} for e in envelopes])})
        conn.execute(_INSERT_OUTBOX, {"rows": json.dumps(
            [{"event_id": e.event_id, "routing_key": e.routing_key, "payload": _envelope_dict(e)} for e in envelopes],
            ensure_ascii=False)})
        conn.execute(sa.text("SELECT pg_notify(:ch, '')"), {"ch": NOTIFY_CHANNEL})
        return len(created)

    def _envelope(self, ctx: EventContext, event_type: str, aggregate_type: str, aggregate_id: str,
                  customer_id: str, data: dict[str, Any]) -> Envelope:
        return Envelope(event_id=new_id(), event_type=event_type, version=1, producer=self.outbox.producer,
                        region=self.outbox.region, aggregate_type=aggregate_type, aggregate_id=aggregate_id,
                        aggregate_seq=1, customer_id=customer_id, actor_id=ctx.actor_id,
                        correlation_id=ctx.correlation_id, causation_id=ctx.causation_id, data=data,
                        occurred_at=utcnow().isoformat())

    def _finish(self, job: Any, status: str, message: str | None, errors: list | None = None) -> None:
        with self.engine.begin() as conn:
            values: dict[str, Any] = {"status": status, "message": message, "finished_at": sa.func.now(),
                                      "content": None}
            if errors is not None:
                values.update(errors=errors, error_count=len(errors))
            row = conn.execute(
                import_jobs.update().where(import_jobs.c.id == job.id, import_jobs.c.attempts == job.attempts)
                .values(**values).returning(import_jobs)
            ).first()
            if row is None:
                return
            self.outbox.add(conn, EventContext(actor_id=job.created_by, correlation_id=job.correlation_id),
                            "customer.import.completed", aggregate_type="import", aggregate_id=job.id,
                            data={"id": job.id, "status": status, "total": row.total, "created": row.created,
                                  "duplicates": row.duplicates, "errors": row.error_count})


class _LostJob(Exception):
    pass


def _snapshot(c: dict[str, Any], owner_id: str, stamp: Any) -> dict[str, Any]:
    return {"id": c["id"], "name": c["name"], "owner_id": owner_id, "status": "active", "category": c["category"],
            "industry": c["industry"], "phone": c["phone"], "shared_with": [], "lost_reason": None,
            "created_at": stamp.created_at.isoformat(), "website": None, "address": c["address"],
            "custom_fields": {}, "updated_at": stamp.updated_at.isoformat()}
