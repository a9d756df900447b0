"""The import worker: claims queued import jobs (FOR UPDATE SKIP LOCKED) and imports
them in batches. Each batch is one transaction: customers, contacts, the visibility
copy, the events and the job's progress counters commit together, so a crash loses
nothing and a restarted worker resumes the job where its last batch ended (a job whose
heartbeat is older than `stale_after` seconds is taken over). While a worker holds a job, a
thread of its own beats every HEARTBEAT_S whatever the batch is doing, so a job whose
worker was killed is taken over within STALE_AFTER_S (not minutes later).

The whole file is read (and checked against the caps of shared.tabular.ImportLimits) before
the first batch is written: a file past the row cap fails the job with nothing imported."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine

from services.customer.api.common import field_defs
from services.customer.domain.importfile import FileProblem, ImportFile, MappingProblem, open_file
from services.customer.import_batch import PreparedBatch, match_key, prepare_batch
from services.customer.import_undo import LostUndo, OwnerResolver, apply_upserts, undo_import
from services.customer.lead_import import prepare_leads, write_leads
from services.customer.models import import_jobs
from shared.background import work_until_stopped
from shared.outbox import EventContext, Outbox
from shared.tabular import ImportLimits, TableTooLarge

log = logging.getLogger("crm.customer.import")
MAX_ATTEMPTS = 3
MAX_STORED_ERRORS = 10000
HEARTBEAT_EVERY_ROWS = 20_000  # while reading a big file, so no other worker takes the job over
HEARTBEAT_S = 5.0  # a held job's heartbeat, from a thread of its own
STALE_AFTER_S = 30.0  # a job whose heartbeat is older is taken over (its worker is gone)

_CLAIM = sa.text("""
UPDATE import_jobs SET status = CASE WHEN status IN ('undo_queued', 'undoing') THEN 'undoing' ELSE 'running' END,
       attempts = attempts + 1, heartbeat_at = now()
WHERE id = (
    SELECT id FROM import_jobs
    WHERE status IN ('queued', 'undo_queued')
       OR (status IN ('running', 'undoing') AND heartbeat_at < now() - make_interval(secs => :stale))
    ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id, created_by, owner_id, filename, content, correlation_id, processed, attempts, status, kind,
          mapping, mode, match_on
""")
ACTIVE = ("running", "undoing")

# Rows travel as one JSON document per statement (jsonb_to_recordset): far cheaper than
# binding arrays or executemany for thousands of rows (built by import_batch).
_INSERT_CUSTOMERS = sa.text("""
INSERT INTO customers (id, name, name_key, search_text, industry, phone, phone_key, address, category,
                       owner_id, status, created_by, created_at, updated_at, website, external_id, custom_fields)
SELECT t.id, t.name, t.name_key, t.search_text, t.industry, t.phone, t.phone_key, t.address, t.category,
       t.owner_id, 'active', :creator, t.created_at, t.created_at, t.website, t.external_id, t.custom_fields
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, name varchar, name_key varchar,
     search_text varchar, industry varchar, phone varchar, phone_key varchar, address varchar, category varchar,
     created_at timestamptz, owner_id varchar, website varchar, external_id varchar, custom_fields jsonb)
ON CONFLICT (name_key) WHERE deleted_at IS NULL DO NOTHING
RETURNING id
""")

_INSERT_CONTACTS = sa.text("""
INSERT INTO contacts (id, customer_id, name, search_text, phone, email, is_decision_maker, created_by,
                      created_at, updated_at)
SELECT t.id, t.customer_id, t.name, t.search_text, t.phone, t.email, false, :creator, t.created_at, t.created_at
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, customer_id varchar, name varchar,
     search_text varchar, phone varchar, email varchar, created_at timestamptz)
""")

_INSERT_ACL = sa.text("""
INSERT INTO acl_customers (customer_id, owner_id, name, status)
SELECT t.id, t.owner_id, t.name, 'active'
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS t(id varchar, name varchar, owner_id varchar)
ON CONFLICT (customer_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, name = EXCLUDED.name, status = EXCLUDED.status
""")

_RECORD_CREATED = sa.text("""
INSERT INTO import_changes (job_id, record_type, record_id, action)
SELECT :job, 'customer', unnest(CAST(:ids AS varchar[])), 'created'
""")


class ImportWorker:
    def __init__(self, engine: Engine, outbox: Outbox, *, batch_size: int = 5000, poll: float = 0.5,
                 stale_after: float = STALE_AFTER_S, limits: ImportLimits | None = None):
        self.engine = engine
        self.limits = limits or ImportLimits.from_env()
        self.outbox = outbox
        self.batch_size = batch_size
        self.poll = poll
        self.stale_after = stale_after
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        work_until_stopped(self._stop, self.run_once, self.poll, log, "import worker")

    def run_once(self) -> bool:
        """Claim and process one job. False when there was none."""
        with self.engine.begin() as conn:
            job = conn.execute(_CLAIM, {"stale": self.stale_after}).first()
        if job is None:
            return False
        if job.attempts > MAX_ATTEMPTS:
            self._finish(job, "failed", "the job was interrupted too often")
            return True
        lost = threading.Event()
        done = threading.Event()
        beat = threading.Thread(target=self._beat, args=(job, lost, done), name="import-heartbeat", daemon=True)
        beat.start()
        try:
            if job.status == "undoing":
                undo_import(self.engine, self.outbox, job, lost, stop=self._stop,
                            heartbeat=lambda: self._heartbeat(job))
            else:
                self._process(job, lost)
        except MappingProblem as exc:
            self._finish(job, "failed", str(exc), errors=[{"row": 1, "message": str(exc), "details": exc.details}])
        except FileProblem as exc:
            error = {"row": 1, "message": str(exc)}
            if isinstance(exc, TableTooLarge):
                error["code"] = exc.code
            self._finish(job, "failed", str(exc), errors=[error])
        except (_LostJob, LostUndo):
            log.warning("import job %s was taken over by another worker", job.id)
        finally:
            done.set()
            beat.join(timeout=HEARTBEAT_S + 5)
        return True

    def _beat(self, job: Any, lost: threading.Event, done: threading.Event) -> None:
        """Every HEARTBEAT_S while the job is held: its heartbeat (lost: taken over)."""
        while not done.wait(HEARTBEAT_S):
            try:
                self._heartbeat(job)
            except _LostJob:
                lost.set()
                return
            except Exception:  # noqa: BLE001 - the database away: the batches notice too
                log.warning("import heartbeat failed", exc_info=True)

    # ---- one job ----------------------------------------------------------------------
    def _process(self, job: Any, lost: threading.Event | None = None) -> None:
        """Batches are prepared (CPU) while the previous one is written (database), in a
        second thread; each write is one transaction with the job's progress."""
        if job.kind == "leads":
            self._process_leads(job, lost)
            return
        with self.engine.connect() as conn:
            defs = field_defs(conn)
        opened, rows = self._read(job, defs)
        with self.engine.begin() as conn:
            conn.execute(import_jobs.update().where(import_jobs.c.id == job.id)
                         .values(total=len(rows), header=opened.header))
        options = {"mode": job.mode or "create", "match_on": job.match_on or "name", "custom_defs": defs,
                   "owners": OwnerResolver(self.engine, job.created_by), "columns": opened.plan.columns}
        seen: set[str] = set()
        if job.processed:  # resuming: the keys of the rows done before
            done = prepare_batch(rows[: job.processed], set(), owner_id=job.owner_id, **options)
            seen.update(match_key(r, options["match_on"]) or "" for r in done.upserts)
            seen.update(c.row["name_key"] for c in done.candidates)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as writer:
            pending: Future | None = None
            for start in range(job.processed, len(rows), self.batch_size):
                prepared = prepare_batch(rows[start: start + self.batch_size], seen, owner_id=job.owner_id,
                                         existing=self._existing_keys, **options)
                if pending is not None:
                    pending.result()  # raises what the writer raised
                if self._stop.is_set():
                    return  # resumed by the next claim once the heartbeat is stale
                if lost is not None and lost.is_set():
                    raise _LostJob()
                pending = writer.submit(self._write, job, prepared, opened.plan.fields, opened.plan.columns)
            if pending is not None:
                pending.result()
        self._finish(job, "done", None)

    def _process_leads(self, job: Any, lost: threading.Event | None) -> None:
        """A leads file (mode create), batch after batch: each batch one transaction."""
        opened = open_file(job.content or b"", job.filename or "", self.limits, kind="leads", mapping=job.mapping)
        rows = [(number, opened.plan.values(cells), cells) for number, cells in opened.rows]
        with self.engine.begin() as conn:
            conn.execute(import_jobs.update().where(import_jobs.c.id == job.id)
                         .values(total=len(rows), header=opened.header))
        owners = OwnerResolver(self.engine, job.created_by)
        seen: set[str] = set()
        if job.processed:  # resuming: the keys of the rows done before
            for r in prepare_leads(rows[: job.processed], set(), owner_id=job.owner_id, owners=None,
                                   columns={}).rows:
                seen.update(r.keys)
        for start in range(job.processed, len(rows), self.batch_size):
            if self._stop.is_set():
                return
            if lost is not None and lost.is_set():
                raise _LostJob()
            batch = prepare_leads(rows[start: start + self.batch_size], seen, owner_id=job.owner_id, owners=owners,
                                  columns=opened.plan.columns)
            with self.engine.begin() as conn:
                created, known = write_leads(conn, self.outbox, job, batch) if batch.rows else (0, 0)
                self._progress(conn, job, batch.size, created, 0, batch.duplicates + known, batch.errors)
        self._finish(job, "done", None)

    def _read(self, job: Any, defs: dict) -> tuple[ImportFile, list[tuple[int, dict[str, Any], list[str]]]]:
        required = ("name",) if (job.mode or "create") == "create" or job.match_on == "name" else ()
        opened = open_file(job.content or b"", job.filename or "", self.limits, mapping=job.mapping,
                           custom_fields=list(defs), required=required)
        key_field = {"email": "contact_email"}.get(job.match_on, job.match_on)
        if (job.mode or "create") == "upsert" and key_field not in opened.plan.fields:
            raise FileProblem(f"no column gives the match key {job.match_on}")
        rows = []
        values = opened.plan.values
        for number, cells in opened.rows:
            rows.append((number, values(cells), cells))
            if len(rows) % HEARTBEAT_EVERY_ROWS == 0:
                self._heartbeat(job)
        return opened, rows

    def _heartbeat(self, job: Any) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(import_jobs.update()
                                .where(import_jobs.c.id == job.id, import_jobs.c.attempts == job.attempts,
                                       import_jobs.c.status.in_(ACTIVE))
                                .values(heartbeat_at=sa.func.now())).rowcount
        if not done:
            raise _LostJob()

    def _existing_keys(self, keys: list[str]) -> set[str]:
        """Keys of live customers already in the database (a cheap pre-check; the unique
        index stays the arbiter when the insert races another writer)."""
        with self.engine.connect() as conn:
            return set(conn.execute(
                sa.text("SELECT name_key FROM customers WHERE name_key = ANY(:keys) AND deleted_at IS NULL"),
                {"keys": keys}).scalars())

    def _write(self, job: Any, prepared: PreparedBatch, fields: set[str] | None = None,
               columns: dict | None = None) -> None:
        with self.engine.begin() as conn:
            updated = 0
            errors = prepared.errors
            duplicates = prepared.duplicates
            if prepared.upserts:
                result = apply_upserts(conn, self.outbox, job, prepared.upserts, fields or set(), columns or {})
                prepared.candidates.extend(result.candidates)
                updated, duplicates = result.updated, duplicates + result.unchanged
                errors = errors + result.errors
            created = self._insert(conn, job, prepared) if prepared.candidates else 0
            duplicates += len(prepared.candidates) - created
            self._progress(conn, job, prepared.size, created, updated, duplicates, errors)

    def _progress(self, conn: Connection, job: Any, size: int, created: int, updated: int, duplicates: int,
                  errors: list[dict[str, Any]]) -> None:
        """A batch's counts added to the job's, in the batch's transaction (_LostJob when
        another worker holds the job now)."""
        done = conn.execute(
            import_jobs.update()
            .where(import_jobs.c.id == job.id, import_jobs.c.attempts == job.attempts,
                   import_jobs.c.status == "running")
            .values(processed=import_jobs.c.processed + size, created=import_jobs.c.created + created,
                    updated=import_jobs.c.updated + updated,
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

    def _insert(self, conn: Connection, job: Any, prepared: PreparedBatch) -> int:
        inserted = set(conn.execute(_INSERT_CUSTOMERS, {"creator": job.created_by,
                                                        "rows": prepared.customers_json()}).scalars())
        if not inserted:
            return 0
        conn.execute(_RECORD_CREATED, {"job": job.id, "ids": list(inserted)})
        created = [c for c in prepared.candidates if c.id in inserted]  # the others were duplicates

        def array(parts: list[str]) -> str:
            return "[" + ",".join(parts) + "]"

        contacts = [c.contact for c in created if c.contact]
        if contacts:
            conn.execute(_INSERT_CONTACTS, {"creator": job.created_by, "rows": array(contacts)})
        conn.execute(_INSERT_ACL, {"rows": array([c.acl for c in created])})
        ctx = EventContext(actor_id=job.created_by, correlation_id=job.correlation_id or job.id)
        self.outbox.add_many(conn, ctx, [e for c in created for e in c.events])  # each event checked
        return len(created)

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
