"""Backup and restore of the whole suite (issue 17): `python -m deploy.backup create [FILE]`,
`restore FILE`, `verify FILE` (make backup / make restore FILE=... / make backup-verify FILE=...).

One tar archive (uncompressed: the dumps are compressed already):
- `manifest.json`: when, the code's commit, every database with its server and pg_dump
  versions, Alembic revision, row counts per table (of the dump's own snapshot), the broker's
  version, the documents, and the SHA-256 of every other member;
- `databases/<component>.dump`: pg_dump custom format, one snapshot per database;
- `broker/definitions.json`: the suite's vhost (queues, exchanges, bindings, policies), the
  permissions on it and the suite's broker users (their password hashes);
- `documents/...`: the uploaded files (CRM_DOCUMENT_DIR).
Secrets (var/secrets.env) are NOT in it: keep them apart (a restore needs the same ones).

Restore goes onto an empty machine (it refuses a database that has tables): each database
is created (as deploy.prepare would) and restored, migrated to the code's revision, and the
outbox rows published in the REPLAY window before the backup started are marked unsent, so
the relays publish them again: events that were still in a queue when the backup was taken
(queues' messages are not in a backup) reach their consumers, and events already applied are
dropped by the consumers' inboxes. Then the broker definitions and the documents; then the
row counts are compared with the manifest. `make restore` runs deploy.prepare afterwards.

Verify restores every dump into a scratch database on the administrative connection,
compares its counts with the manifest and drops it; and checks every member's checksum."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from deploy import broker_users, database_roles
from deploy.backup_parts import (
    BackupError,
    broker_definitions,
    connect,
    document_files,
    dump_database,
    is_empty,
    restore_dump,
    sha256_file,
    suite_definitions,
    table_counts,
    vhost_of,
)
from deploy.components import available, root_of
from shared.config import (
    broker_user_prefix,
    database_url_is_explicit,
    db_password,
    db_role,
    pg_admin_url,
)
from shared.db import drop_database, ensure_database, run_migrations
from shared.storage import DEFAULT_DOCUMENT_DIR

ROOT = Path(__file__).resolve().parents[1]
FORMAT = 1
# the dumping order: pure consumers first, then producers, so a producer's outbox holds at
# least every event a consumer's dump has applied (the replay covers the rest)
ORDER = ("tracking", "billing", "inventory", "sales", "customer", "gateway")


def replay_seconds() -> int:
    """CRM_RESTORE_REPLAY_S: how far before the backup's start outbox rows are published again."""
    return int(os.environ.get("CRM_RESTORE_REPLAY_S") or 900)


def document_dir() -> Path:
    return Path(os.environ.get("CRM_DOCUMENT_DIR") or DEFAULT_DOCUMENT_DIR)


def components() -> list[str]:
    names = available()
    return sorted(names, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))


def commit() -> str | None:
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() or None


# ---- create -------------------------------------------------------------------------------

def create(target: Path) -> dict[str, Any]:
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {"format": FORMAT, "started_at": started.isoformat(), "commit": commit(),
                                "databases": {}, "files": {}}
    with tempfile.TemporaryDirectory(prefix="crm-backup-") as tmp:
        work = Path(tmp)
        (work / "databases").mkdir()
        for name in components():
            url = root_of(name).settings().database_url
            dump = work / "databases" / f"{name}.dump"
            manifest["databases"][name] = dump_database(url, dump)
            print(f"dumped {name}: {manifest['databases'][name]['rows']} rows, {dump.stat().st_size} bytes", flush=True)
        amqp = root_of("tracking").settings().rabbitmq_url
        document, source = broker_definitions()
        vhost = vhost_of(amqp)
        (work / "broker").mkdir()
        (work / "broker" / "definitions.json").write_text(
            json.dumps(suite_definitions(document, vhost, broker_user_prefix()), indent=1, ensure_ascii=False))
        manifest["broker"] = {"vhost": vhost, "read_with": source,
                              "rabbitmq_version": document.get("rabbitmq_version") or document.get("rabbit_version")}
        folder = document_dir()
        docs = [(p, p.relative_to(folder)) for p in document_files(folder)]
        manifest["documents"] = {"folder": str(folder), "files": len(docs), "bytes": sum(p.stat().st_size for p, _ in docs)}
        members = [(p, p.relative_to(work).as_posix()) for p in sorted(work.rglob("*")) if p.is_file()]
        members += [(p, f"documents/{rel.as_posix()}") for p, rel in docs]
        manifest["files"] = {name: sha256_file(p) for p, name in members}
        manifest["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(time.time())
            tar.addfile(info, io.BytesIO(data))
            for path, name in members:
                tar.add(path, arcname=name, recursive=False)
        os.replace(partial, target)  # never a half-written archive under the final name
    print(f"backup {target}: {target.stat().st_size} bytes in {time.monotonic() - clock:.1f} s", flush=True)
    return manifest


# ---- reading an archive -------------------------------------------------------------------

def unpack(archive: Path, into: Path) -> dict[str, Any]:
    """Extract and check every member against the manifest's checksums."""
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist")
    with tarfile.open(archive, "r") as tar:
        tar.extractall(into, filter="data")
    manifest = json.loads((into / "manifest.json").read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    bad = [name for name, digest in manifest["files"].items()
           if not (into / name).is_file() or sha256_file(into / name) != digest]
    if bad:
        raise BackupError(f"{len(bad)} member(s) missing or damaged: {', '.join(bad[:5])}")
    return manifest


def compare(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    """Tables whose counts differ (a table the code added since the backup is not a difference)."""
    return [f"{t}: {n} in the backup, {found.get(t)} now" for t, n in expected.items() if found.get(t) != n]


# ---- restore ------------------------------------------------------------------------------

def prepare_database(name: str, url: str) -> None:
    if database_url_is_explicit(name):
        ensure_database(url)
        return
    password = db_password(name)
    if not password:
        raise BackupError(f"CRM_DB_PASSWORD_{name.upper()} is not set: restore var/secrets.env first")
    database_roles.ensure_component_database(pg_admin_url(), db_role(name), password)


def replay_outbox(url: str, since: dt.datetime) -> int:
    with connect(url) as conn:
        return conn.execute("UPDATE outbox SET sent_at = NULL WHERE sent_at >= %s", [since]).rowcount


def restore(archive: Path) -> int:
    clock = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="crm-restore-") as tmp:
        work = Path(tmp)
        manifest = unpack(archive, work)
        wanted = [n for n in components() if n in manifest["databases"]]
        urls = {n: root_of(n).settings().database_url for n in wanted}
        for name, url in urls.items():
            prepare_database(name, url)
            if not is_empty(url):
                raise BackupError(f"the {name} database is not empty: a restore goes onto an empty machine")
        since = dt.datetime.fromisoformat(manifest["started_at"]) - dt.timedelta(seconds=replay_seconds())
        problems: list[str] = []
        for name, url in urls.items():
            restore_dump(url, work / "databases" / f"{name}.dump")
            run_migrations(url, root_of(name).migrations_dir)
            replayed = replay_outbox(url, since)
            with connect(url) as conn:
                problems += [f"{name}.{p}" for p in compare(manifest["databases"][name]["counts"], table_counts(conn))]
            print(f"restored {name}: {manifest['databases'][name]['rows']} rows; {replayed} events to publish again",
                  flush=True)
        definitions = json.loads((work / "broker" / "definitions.json").read_text())
        broker_users.admin_from_env().apply(definitions)
        print(f"broker definitions of vhost {manifest['broker']['vhost']} imported", flush=True)
        folder = document_dir()
        copied = 0
        for name in manifest["files"]:
            if name.startswith("documents/"):
                target = folder / name.removeprefix("documents/")
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    shutil.copy2(work / name, target)
                    copied += 1
        print(f"documents: {copied} file(s) into {folder}", flush=True)
    if problems:
        print("counts differ from the backup:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"restore done in {time.monotonic() - clock:.1f} s: every count equals the backup's", flush=True)
    return 0


# ---- verify -------------------------------------------------------------------------------

def verify(archive: Path) -> int:
    clock = time.monotonic()
    admin = pg_admin_url()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="crm-verify-") as tmp:
        work = Path(tmp)
        manifest = unpack(archive, work)
        json.loads((work / "broker" / "definitions.json").read_text())
        for name, entry in manifest["databases"].items():
            scratch = f"crm_verify_{name}_{os.getpid()}_{int(time.time())}"
            url = admin.rsplit("/", 1)[0] + "/" + scratch
            ensure_database(url)
            try:
                restore_dump(url, work / "databases" / f"{name}.dump")
                with connect(url) as conn:
                    problems += [f"{name}.{p}" for p in compare(entry["counts"], table_counts(conn))]
            finally:
                drop_database(url)
            print(f"verified {name}: {entry['rows']} rows in {len(entry['counts'])} tables", flush=True)
    if problems:
        print("counts differ:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(f"backup {archive} verified in {time.monotonic() - clock:.1f} s "
          f"({len(manifest['files'])} checksums, {len(manifest['databases'])} databases)", flush=True)
    return 0


def default_target() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return ROOT / "var" / "backups" / f"crm-backup-{stamp}.tar"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.backup")
    parser.add_argument("command", choices=("create", "restore", "verify"))
    parser.add_argument("file", nargs="?")
    args = parser.parse_args(argv)
    if args.command == "create":
        create(Path(args.file) if args.file else default_target())
        return 0
    if not args.file:
        raise BackupError(f"{args.command} needs the archive: FILE=var/backups/crm-backup-....tar")
    return restore(Path(args.file)) if args.command == "restore" else verify(Path(args.file))


if __name__ == "__main__":
    sys.exit(main())
