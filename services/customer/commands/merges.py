"""Merge a duplicate customer into another one, and undo it (issue 17; rules in
services/customer/domain/merging.py).

Merge, in one transaction: both customers loaded for writing (404 when the caller may not
see one, 403 when they may only read it; the duplicate's owner, a manager above it or an
admin only, as for a delete); the duplicate becomes a tombstone (deleted, merged_into the
survivor); this service's records of the duplicate move to the survivor (shared.merges,
remembered in merge_moves); the duplicate's owner and the users it was shared with get a
share of the survivor (so nobody loses the records they saw); the survivor's fields take the
caller's choices; customer.customer.merged (the duplicate's tombstone, with merge_id and
survivor_id) tells every other service to move its records the same way, and
customer.customer.updated gives the survivor's new snapshot.

Undo does the reverse unless something newer depends on the merge (409 merge_depended_on
with the reason: domain/merging.undo_refusal)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from services.customer import store
from services.customer.access import load_customer, require_manage, shares
from services.customer.domain import merging
from services.customer.domain.normalize import phone_key
from services.customer.models import customer_merges, customers
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.identity import Principal
from shared.merges import MERGED, UNDONE, Moved, move_back, move_to_survivor
from shared.outbox import EventContext
from shared.service import ServiceContext
from shared.visibility import upsert_customer
from shared.web import iso, path_id

# This service's records of a customer (shared.merges moves them; the other services move theirs).
LOCAL = (
    Moved("contacts"), Moved("activities"), Moved("complaints"), Moved("out_of_office"), Moved("tasks"),
    Moved("service_orders"), Moved("documents"), Moved("leads"),
    Moved("related_records", id_column="record_id"), Moved("quote_deadlines", id_column="quote_id"),
    Moved("acl_grants", id_column="record_id"),
    Moved("campaign_members", id_column="member_id"),  # a campaign's members follow their customer (issue 16)
)


def fields_of(row: Row) -> dict[str, Any]:
    return {f: getattr(row, f) for f in merging.FIELDS}


def load_pair(conn: Connection, p: Principal, survivor_id: str, duplicate_id: str) -> tuple[Row, Row]:
    """Both customers for writing, locked in id order (two merges of the same pair never
    deadlock); 404 / 403 as for any write (access.load_customer)."""
    if survivor_id == duplicate_id:
        raise ValidationFailed("a customer cannot be merged with itself",
                               details={"duplicate_id": ["must be another customer"]})
    rows = {cid: load_customer(conn, p, cid, for_update=True) for cid in sorted((survivor_id, duplicate_id))}
    return rows[survivor_id], rows[duplicate_id]


def _require_live(row: Row, what: str) -> None:
    if row.merged_into is not None:
        raise Conflict(f"the {what} was merged into another customer", code="customer_merged",
                       details={"merged_into": row.merged_into})
    if row.deleted_at is not None:
        raise Conflict(f"the {what} is deleted; restore it first", code="customer_deleted")


def _set_fields(conn: Connection, p: Principal, row: Row, values: dict[str, Any]) -> None:
    """Write the merge's (or the undo's) field values to a customer."""
    changes = {k: v for k, v in values.items() if k in merging.FIELDS and getattr(row, k) != v}
    if not changes:
        return
    if "phone" in changes:
        changes["phone_key"] = phone_key(changes["phone"]) or None
    statement = customers.update().where(customers.c.id == row.id)
    if "name" in changes:
        changes.update(store.name_columns(changes["name"]))
        store.guarded_write(conn, statement.values(**changes, updated_at=sa.func.now()), changes["name_key"],
                            exclude_id=row.id, who=p)
    else:
        conn.execute(statement.values(**changes, updated_at=sa.func.now()))


def _add_shares(conn: Connection, survivor: Row, duplicate: Row) -> list[str]:
    """The duplicate's owner and share users get a share of the survivor (those who had
    none); the users added."""
    users = [duplicate.owner_id, *store.shared_with(conn, [duplicate.id])[duplicate.id]]
    added = []
    for user_id in dict.fromkeys(users):
        if user_id == survivor.owner_id:
            continue
        row = conn.execute(sa.text(
            "INSERT INTO acl_customer_shares (customer_id, user_id) VALUES (:c, :u) "
            "ON CONFLICT DO NOTHING RETURNING 1"), {"c": survivor.id, "u": user_id}).first()
        if row:
            added.append(user_id)
    return added


def _publish_duplicate(conn: Connection, ctx: ServiceContext, events: EventContext, event_type: str,
                       duplicate_id: str, merge_id: str, survivor: Row) -> None:
    """The duplicate's snapshot with the merge: its visibility copy here, the event for all."""
    row = store.load(conn, duplicate_id)
    shared = store.shared_with(conn, [row.id])[row.id]
    upsert_customer(conn, row.id, row.owner_id, row.name, store.public_status(row), shared)
    data = {**store.snapshot(row, shared), "merge_id": merge_id, "survivor_id": survivor.id,
            "survivor_name": survivor.name}
    # on the survivor's timeline (tracking files an event under its envelope customer_id)
    ctx.outbox.add(conn, events, event_type, aggregate_type="customer", aggregate_id=row.id, data=data,
                   customer_id=survivor.id)


def merge(ctx: ServiceContext, events: EventContext, p: Principal, survivor_id: str, duplicate_id: str,
          choices: dict[str, str] | None) -> dict[str, Any]:
    """Merge duplicate_id into survivor_id; {"merge_id", "customer", "duplicate_id", "moved"}."""
    errors = merging.validate_choices(choices)
    if errors:
        raise ValidationFailed("invalid field choices", details=errors)
    with ctx.transaction(events) as (conn, _emit):
        survivor, duplicate = load_pair(conn, p, survivor_id, duplicate_id)
        _require_live(survivor, "customer to keep")
        _require_live(duplicate, "duplicate")
        require_manage(conn, p, duplicate.owner_id)
        merge_id = str(uuid.uuid4())
        before = fields_of(survivor)
        after = merging.resolve(before, fields_of(duplicate), choices)
        # the tombstone first: it frees the duplicate's name for the survivor
        conn.execute(customers.update().where(customers.c.id == duplicate.id).values(
            deleted_at=sa.func.now(), merged_into=survivor.id, updated_at=sa.func.now()))
        moved = move_to_survivor(conn, merge_id, duplicate.id, survivor.id, LOCAL)
        added = _add_shares(conn, survivor, duplicate)
        _set_fields(conn, p, survivor, after)
        conn.execute(customer_merges.insert().values(
            id=merge_id, survivor_id=survivor.id, duplicate_id=duplicate.id, fields=dict(choices or {}),
            survivor_before=before, survivor_after=after, added_shares=added, moved=moved,
            merged_by=p.user_id))
        _publish_duplicate(conn, ctx, events, MERGED, duplicate.id, merge_id, survivor)
        answer = store.publish(conn, ctx.outbox, events, "customer.customer.updated", survivor.id)
    return {"merge_id": merge_id, "customer": answer, "duplicate_id": duplicate.id, "moved": moved,
            "added_shares": added}


def merge_json(row: Row) -> dict[str, Any]:
    return {"id": row.id, "survivor_id": row.survivor_id, "duplicate_id": row.duplicate_id,
            "fields": row.fields, "moved": row.moved, "added_shares": list(row.added_shares),
            "merged_by": row.merged_by, "merged_at": iso(row.merged_at),
            "undone_by": row.undone_by, "undone_at": iso(row.undone_at),
            "status": "undone" if row.undone_at else "merged"}


def load_merge(conn: Connection, p: Principal, merge_id: str, *, for_update: bool = False,
               read: bool = False) -> Row:
    """A merge whose two customers the caller may see (404 otherwise)."""
    query = sa.select(customer_merges).where(customer_merges.c.id == path_id(merge_id, "merge"))
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound("merge not found")
    try:
        for cid in sorted((row.survivor_id, row.duplicate_id)):
            load_customer(conn, p, cid, read=read, for_update=for_update)
    except NotFound:
        raise NotFound("merge not found") from None
    return row


def _later_merge(conn: Connection, m: Row) -> str | None:
    ids = (m.survivor_id, m.duplicate_id)
    return conn.execute(sa.select(customer_merges.c.id).where(
        customer_merges.c.id != m.id, customer_merges.c.undone_at.is_(None),
        customer_merges.c.merged_at >= m.merged_at,
        sa.or_(customer_merges.c.survivor_id.in_(ids), customer_merges.c.duplicate_id.in_(ids)),
    ).order_by(customer_merges.c.merged_at.desc()).limit(1)).scalar()


def undo(ctx: ServiceContext, events: EventContext, p: Principal, merge_id: str) -> dict[str, Any]:
    """Undo a merge: {"merge": ..., "customer": survivor, "duplicate": restored}; 409 with
    the reason when something newer depends on it."""
    with ctx.transaction(events) as (conn, _emit):
        m = load_merge(conn, p, merge_id, for_update=True)
        survivor, duplicate = store.load(conn, m.survivor_id), store.load(conn, m.duplicate_id)
        require_manage(conn, p, duplicate.owner_id)
        taken = store.find_duplicate(conn, duplicate.name_key, exclude_id=duplicate.id)
        refusal = merging.undo_refusal(merging.UndoState(
            undone=m.undone_at is not None, later_merge_id=_later_merge(conn, m),
            survivor_deleted=survivor.deleted_at is not None,
            name_taken_by=taken if taken and taken != survivor.id else None,
            survivor_now=fields_of(survivor), survivor_before=m.survivor_before, survivor_after=m.survivor_after))
        if refusal:
            code, message, details = refusal
            raise Conflict(message, code=code, details=details)
        # only what the merge set goes back (first: it gives a taken name back)
        _set_fields(conn, p, survivor, {f: m.survivor_before.get(f)
                                        for f in merging.set_by_merge(m.survivor_before, m.survivor_after)})
        if m.added_shares:
            conn.execute(sa.delete(shares).where(shares.c.customer_id == survivor.id,
                                                 shares.c.user_id.in_(list(m.added_shares))))
        move_back(conn, m.id, duplicate.id, survivor.id, LOCAL)
        store.guarded_write(conn, customers.update().where(customers.c.id == duplicate.id).values(
            deleted_at=None, merged_into=None, updated_at=sa.func.now()), duplicate.name_key,
            exclude_id=duplicate.id, who=p)
        undone = conn.execute(customer_merges.update().where(customer_merges.c.id == m.id).values(
            undone_at=sa.func.now(), undone_by=p.user_id).returning(*customer_merges.c)).one()
        _publish_duplicate(conn, ctx, events, UNDONE, duplicate.id, m.id, store.load(conn, survivor.id))
        restored = store.customer_json(store.load(conn, duplicate.id),
                                       store.shared_with(conn, [duplicate.id])[duplicate.id])
        answer = store.publish(conn, ctx.outbox, events, "customer.customer.updated", survivor.id)
    return {"merge": merge_json(undone), "customer": answer, "duplicate": restored}


def record_counts(conn: Connection, customer_id: str) -> dict[str, int]:
    """How many records of the customer each local table holds (what a merge would move)."""
    counts = {}
    for t in LOCAL:
        if t.table == "acl_grants":
            continue
        counts[t.table] = conn.execute(sa.text(
            f"SELECT count(DISTINCT {t.id_column}) FROM {t.table} WHERE {t.customer_column} = :c"),
            {"c": customer_id}).scalar_one()
    return counts


def merges_of(conn: Connection, customer_id: str) -> list[Row]:
    return conn.execute(sa.select(customer_merges).where(
        sa.or_(customer_merges.c.survivor_id == customer_id, customer_merges.c.duplicate_id == customer_id))
        .order_by(customer_merges.c.merged_at.desc()).limit(200)).all()


def names_of(conn: Connection, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(conn.execute(sa.select(customers.c.id, customers.c.name).where(customers.c.id.in_(list(ids)))).all())
