"""The product import worker: claims queued product imports (FOR UPDATE SKIP LOCKED, the
oldest first) and works through them in batches. Each batch is one transaction: the products,
their inventory.product.* events, what the undo needs (product_import_changes) and the job's
progress (processed of total) commit together, so a crash loses nothing and a worker that
takes the job over (its heartbeat older than `stale_after` seconds) resumes after the last
committed batch. While a worker holds a job a thread of its own beats every HEARTBEAT_S.

An undo (status undo_queued) is one transaction: the products it would touch locked, nothing
done when one is in use or changed since (services/inventory/import_undo.py)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Engine

from services.inventory.domain.importing import ImportFileError, open_products
from services.inventory.import_rows import create_rows, import_rows
from services.inventory.import_undo import UndoRefused, undo_import
from services.inventory.models import product_imports
from shared.background import work_until_stopped
from shared.import_mapping import MappingProblem
from shared.outbox import Emitter, EventContext, Outbox
from shared.tabular import ImportLimits, TableTooLarge

log = logging.getLogger("crm.inventory.import")
MAX_ATTEMPTS = 3
MAX_STORED_ERRORS = 10000
HEARTBEAT_S = 5.0
STALE_AFTER_S = 30.0
ACTIVE = ("running", "undoing")

_CLAIM = """
UPDATE product_imports SET status = CASE WHEN status IN ('undo_queued', 'undoing') THEN 'undoing' ELSE 'running' END,
       attempts = attempts + 1, heartbeat_at = now()
WHERE id = (
    SELECT id FROM product_imports
    WHERE ({only})
      AND (status IN ('queued', 'undo_queued')
           OR (status IN ('running', 'undoing') AND heartbeat_at < now() - make_interval(secs => :stale)))
    ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id, actor_id, filename, content, mapping, mode, match_on, may_set_prices, correlation_id, processed,
          attempts, status, finished_at
"""
_CLAIM_ANY = sa.text(_CLAIM.format(only="true"))
_CLAIM_ONE = sa.text(_CLAIM.format(only="id = :id"))


class ProductImportWorker:
    def __init__(self, engine: Engine, outbox: Outbox, *, batch_size: int = 500, poll: float = 0.5,
                 stale_after: float = STALE_AFTER_S, limits: ImportLimits | None = None):
        self.engine, self.outbox = engine, outbox
        self.batch_size, self.poll, self.stale_after = batch_size, poll, stale_after
        self.limits = limits
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        work_until_stopped(self._stop, self.run_once, self.poll, log, "product import worker")

    def run_once(self, job_id: str | None = None) -> bool:
        """Claim and work through one job (the given one only, when named). False when
        there was none."""
        params: dict[str, Any] = {"stale": self.stale_after}
        if job_id is not None:
            params["id"] = job_id
        with self.engine.begin() as conn:
            job = conn.execute(_CLAIM_ONE if job_id else _CLAIM_ANY, params).first()
        if job is None:
            return False
        if job.attempts > MAX_ATTEMPTS:
            self._finish(job, "failed", "the job was interrupted too often")
            return True
        lost, done = threading.Event(), threading.Event()
        beat = threading.Thread(target=self._beat, args=(job, lost, done), name="product-import-heartbeat",
                                daemon=True)
        beat.start()
        try:
            if job.status == "undoing":
                self._undo(job)
            else:
                self._process(job, lost)
        except MappingProblem as exc:
            self._finish(job, "failed", str(exc), errors=[{"row": 1, "message": str(exc), "details": exc.details}])
        except ImportFileError as exc:
            error: dict[str, Any] = {"row": 1, "message": str(exc)}
            if isinstance(exc, TableTooLarge):
                error["code"] = exc.code
            self._finish(job, "failed", str(exc), errors=[error])
        except LostJob:
            log.warning("product import %s was taken over by another worker", job.id)
        finally:
            done.set()
            beat.join(timeout=HEARTBEAT_S + 5)
        return True

    # ---- one job ----------------------------------------------------------------------
    def _process(self, job: Any, lost: threading.Event) -> None:
        opened = open_products(job.filename or "", job.content or b"", self.limits or ImportLimits.from_env(),
                               mapping=job.mapping, mode=job.mode, match_on=job.match_on)
        with self.engine.begin() as conn:
            conn.execute(product_imports.update().where(product_imports.c.id == job.id)
                         .values(total=len(opened.rows), header=opened.header))
        ctx = EventContext(actor_id=job.actor_id, correlation_id=job.correlation_id or job.id)
        for start in range(job.processed, len(opened.rows), self.batch_size):
            if self._stop.is_set():
                return  # taken over (resumed) once the heartbeat is stale
            if lost.is_set():
                raise LostJob()
            batch = opened.rows[start: start + self.batch_size]
            with self.engine.begin() as conn:
                emit = Emitter(conn, self.outbox, ctx)
                if job.mode == "create":
                    counts = create_rows(conn, emit, job.id, batch, opened.values)
                else:
                    counts = import_rows(conn, emit, job.id, batch, opened.values, mode=job.mode,
                                         match_on=job.match_on, may_set_prices=job.may_set_prices)
                self._progress(conn, job, len(batch), counts)
        self._finish(job, "done", None)

    def _undo(self, job: Any) -> None:
        ctx = EventContext(actor_id=job.actor_id, correlation_id=job.correlation_id or job.id)
        try:
            with self.engine.begin() as conn:
                undone = undo_import(conn, Emitter(conn, self.outbox, ctx), job.id, job.finished_at)
                held = conn.execute(
                    product_imports.update()
                    .where(product_imports.c.id == job.id, product_imports.c.attempts == job.attempts,
                           product_imports.c.status == "undoing")
                    .values(status="undone", undone=undone, undone_at=sa.func.now(), message=None)).rowcount
                if not held:
                    raise LostJob()  # rolls the undo back: the worker holding it now does it
        except UndoRefused as exc:  # something became used since the undo was asked for
            with self.engine.begin() as conn:
                conn.execute(product_imports.update()
                             .where(product_imports.c.id == job.id, product_imports.c.attempts == job.attempts)
                             .values(status="done", message=exc.message))

    def _beat(self, job: Any, lost: threading.Event, done: threading.Event) -> None:
        while not done.wait(HEARTBEAT_S):
            try:
                with self.engine.begin() as conn:
                    held = conn.execute(
                        product_imports.update()
                        .where(product_imports.c.id == job.id, product_imports.c.attempts == job.attempts,
                               product_imports.c.status.in_(ACTIVE))
                        .values(heartbeat_at=sa.func.now())).rowcount
                if not held:
                    lost.set()
                    return
            except Exception:  # noqa: BLE001 - the database away: the batches notice too
                log.warning("product import heartbeat failed", exc_info=True)

    def _progress(self, conn: Connection, job: Any, size: int, counts: dict[str, Any]) -> None:
        errors = counts["errors"]
        c = product_imports.c
        held = conn.execute(
            product_imports.update()
            .where(c.id == job.id, c.attempts == job.attempts, c.status == "running")
            .values(processed=c.processed + size, created=c.created + counts["created"],
                    updated=c.updated + counts["updated"], duplicates=c.duplicates + counts["duplicates"],
                    error_count=c.error_count + len(errors),
                    errors=sa.case((sa.func.jsonb_array_length(c.errors) < MAX_STORED_ERRORS,
                                    c.errors.op("||")(sa.bindparam(None, errors, type_=JSONB))),
                                   else_=c.errors),
                    heartbeat_at=sa.func.now())).rowcount
        if not held:
            raise LostJob()  # rolls this batch back

    def _finish(self, job: Any, status: str, message: str | None, errors: list | None = None) -> None:
        values: dict[str, Any] = {"status": status, "message": message, "finished_at": sa.func.now(),
                                  "content": None}
        if errors is not None:
            values.update(errors=errors, error_count=len(errors))
        with self.engine.begin() as conn:
            conn.execute(product_imports.update()
                         .where(product_imports.c.id == job.id, product_imports.c.attempts == job.attempts)
                         .values(**values))


class LostJob(Exception):
    """Another worker holds the job now."""
