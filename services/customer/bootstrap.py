"""Composition root of the customer service."""

import argparse
import os
import threading
from pathlib import Path

from flask import Flask

from services.customer import api, handlers
from services.customer.api.calendar import FEED_PREFIX
from services.customer.api.campaigns import UNSUBSCRIBE_PREFIX
from services.customer.bulk_worker import BulkWorker
from services.customer.commands.mailings import mail_rate, public_url
from services.customer.importer import ImportWorker
from services.customer.mail_worker import MailingWorker
from services.customer.overdue import OverdueChecker, announce_overdue
from services.customer.reminders import ReminderScheduler
from shared.config import Settings
from shared.logs import configure_logging
from shared.metrics import WorkQuery, serve_process
from shared.service import ServiceContext, ServiceRoot, run_until_signalled
from shared.storage import document_store_from_env


def _worker_alone(root: ServiceRoot, _args: argparse.Namespace) -> int:
    """`worker`: the import worker on its own (to scale imports separately)."""
    configure_logging("customer", "worker")
    serve_process("customer", "worker")  # on CRM_METRICS_PORT when set
    return run_until_signalled(import_worker())


def _scheduler_alone(root: ServiceRoot, _args: argparse.Namespace) -> int:
    """`scheduler`: the task reminder scheduler on its own (any number of them may run)."""
    configure_logging("customer", "scheduler")
    serve_process("customer", "scheduler")  # on CRM_METRICS_PORT when set
    return run_until_signalled(reminder_scheduler())


def _consumer_with_imports(root: ServiceRoot, _args: argparse.Namespace) -> int:
    """`consumer`: the event consumer, with the import worker, the service orders' overdue
    check and the task reminder scheduler in threads beside it (so the standard Procfile needs
    nothing more; every replica runs them: services/customer/reminders.py makes a reminder fire
    once all the same)."""
    ctx = root.context(None, kind="consumer")  # one pool for all three: the checks are short statements
    threading.Thread(target=ImportWorker(ctx.engine, ctx.outbox).run, name="import-worker", daemon=True).start()
    threading.Thread(target=BulkWorker(ctx.engine, ctx.outbox).run, name="bulk-worker", daemon=True).start()
    threading.Thread(target=mailing_worker_for(ctx).run, name="mail-worker", daemon=True).start()
    checker = OverdueChecker(ctx.engine, ctx.outbox, every=overdue_every())
    threading.Thread(target=checker.run, name="overdue-check", daemon=True).start()
    threading.Thread(target=ReminderScheduler(ctx.engine, ctx.outbox, poll=_reminder_poll()).run,
                     name="reminder-scheduler", daemon=True).start()
    return root.run_standard("consumer")


def _configure(app: Flask, _ctx: ServiceContext) -> None:
    """The document store (shared.storage: the folder CRM_DOCUMENT_DIR)."""
    app.extensions["document_store"] = document_store_from_env()


def _overdue_once(root: ServiceRoot, _args: argparse.Namespace) -> int:
    """`overdue-check`: one round of the overdue check (prints how many were announced)."""
    configure_logging("customer", "overdue-check")
    ctx = root.context(None, kind="tool")
    print(announce_overdue(ctx.engine, ctx.outbox))  # type: ignore[arg-type]
    return 0


root = ServiceRoot(
    name="customer",
    migrations_dir=Path(__file__).parent / "migrations",
    blueprints=api.blueprints,
    handlers=handlers.handler_table,
    configure_app=_configure,
    # imports queued or running, and the oldest one's wait (metrics)
    work_queries=(WorkQuery("import_jobs",
                            "SELECT count(*), EXTRACT(EPOCH FROM now() - min(created_at))::float8 "
                            "FROM import_jobs WHERE status IN ('queued', 'running')"),),
    commands={"worker": _worker_alone, "consumer": _consumer_with_imports, "overdue-check": _overdue_once,
              "scheduler": _scheduler_alone},
    public_prefixes=(FEED_PREFIX, UNSUBSCRIBE_PREFIX),
)


def create_app(settings: Settings | None = None) -> Flask:
    return root.create_app(settings)


def import_worker(settings: Settings | None = None, **kw: object) -> ImportWorker:
    ctx = root.context(settings, kind="consumer")
    return ImportWorker(ctx.engine, ctx.outbox, **kw)  # type: ignore[arg-type]


def mailing_worker_for(ctx: ServiceContext, **kw: object) -> MailingWorker:
    """The campaign mailing worker: SMTP_* (shared.mail), at most CRM_CAMPAIGN_MAIL_RATE messages
    a second (default 5), unsubscribe links under CRM_PUBLIC_URL."""
    kw.setdefault("rate", mail_rate())
    kw.setdefault("public_url", public_url())
    return MailingWorker(ctx.engine, ctx.outbox, secret=ctx.settings.internal_secret, **kw)  # type: ignore[arg-type]


def reminder_scheduler(settings: Settings | None = None, **kw: object) -> ReminderScheduler:
    """The reminder scheduler (its pass every CRM_REMINDER_POLL_S seconds, 5 by default, firing
    at most CRM_REMINDER_BATCH reminders per transaction, 200 by default)."""
    ctx = root.context(settings, kind="consumer")
    kw.setdefault("poll", _reminder_poll())
    kw.setdefault("batch", int(os.environ.get("CRM_REMINDER_BATCH", "200")))
    return ReminderScheduler(ctx.engine, ctx.outbox, **kw)  # type: ignore[arg-type]


def _reminder_poll() -> float:
    return float(os.environ.get("CRM_REMINDER_POLL_S", "5"))


def overdue_every() -> float:
    """CRM_SERVICE_OVERDUE_CHECK_S: seconds between two overdue checks (default 60, at least 1)."""
    return max(1.0, float(os.environ.get("CRM_SERVICE_OVERDUE_CHECK_S") or 60))
