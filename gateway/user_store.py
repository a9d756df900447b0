"""Users in the gateway's database. Every change writes its gateway.user.* event to the
outbox in the same transaction, so every service's copy of users follows. A new password,
a role change or a deactivation ends every session of the user in that transaction too."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from gateway import users as rules
from gateway.models import users
from gateway.passwords import hash_password
from gateway.sessions import revoke_user_sessions
from shared.errors import Conflict, NotFound
from shared.outbox import EventContext, Outbox

# One lock for all changes to the hierarchy (so two concurrent changes cannot make a cycle)
# and for the first admin (so concurrent workers create it once).
HIERARCHY_LOCK = 0x6761_7465  # "gate"
USER_COLUMNS = [c for c in users.c if c.name != "password_hash"]


def publish(conn: Connection, outbox: Outbox, ctx: EventContext, event_type: str, row: Any) -> None:
    outbox.add(conn, ctx, event_type, aggregate_type="user", aggregate_id=str(row["id"]),
               data=rules.snapshot(row))


def lock_hierarchy(conn: Connection) -> None:
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": HIERARCHY_LOCK})


def _manager_lookup(conn: Connection):
    def manager_of(uid: str) -> str | None | bool:
        try:
            uuid.UUID(str(uid))
        except ValueError:
            return False
        row = conn.execute(sa.select(users.c.manager_id).where(users.c.id == uid)).first()
        return False if row is None else row.manager_id
    return manager_of


def get_user(conn: Connection, user_id: str, *, for_update: bool = False) -> dict[str, Any]:
    query = sa.select(*USER_COLUMNS).where(users.c.id == user_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound("user not found")
    return dict(row)


def find_for_login(conn: Connection, username: str) -> dict[str, Any] | None:
    row = conn.execute(
        sa.select(users).where(sa.func.lower(users.c.username) == username.lower())
    ).mappings().first()
    return dict(row) if row else None


def create_user(conn: Connection, outbox: Outbox, ctx: EventContext, *, username: str, password: str,
                role: str, full_name: str | None = None, manager_id: str | None = None,
                region: str | None = None, must_change_password: bool = False) -> dict[str, Any]:
    rules.check_role(role)
    lock_hierarchy(conn)
    rules.check_manager(None, manager_id, _manager_lookup(conn))
    values = {"id": str(uuid.uuid4()), "username": username, "password_hash": hash_password(password),
              "full_name": full_name, "role": role, "manager_id": manager_id, "active": True,
              "region": region, "must_change_password": must_change_password}
    exists = conn.execute(
        sa.select(users.c.id).where(sa.func.lower(users.c.username) == username.lower())
    ).first()
    if exists:
        raise Conflict("username already taken", code="duplicate_username", details={"existing_id": exists.id})
    try:
        with conn.begin_nested():
            conn.execute(users.insert().values(**values))
    except IntegrityError:
        raise Conflict("username already taken", code="duplicate_username") from None
    row = get_user(conn, values["id"])
    publish(conn, outbox, ctx, "gateway.user.created", row)
    return row


def update_user(conn: Connection, outbox: Outbox, ctx: EventContext, user_id: str,
                changes: dict[str, Any]) -> dict[str, Any]:
    if "manager_id" in changes:
        lock_hierarchy(conn)
    current = get_user(conn, user_id, for_update=True)
    if "role" in changes:
        rules.check_role(changes["role"])
    if "manager_id" in changes:
        rules.check_manager(user_id, changes["manager_id"], _manager_lookup(conn))
    values = {k: v for k, v in changes.items() if k != "password"}
    if "password" in changes:
        values["password_hash"] = hash_password(changes["password"])
    if not values:
        return current
    conn.execute(users.update().where(users.c.id == user_id).values(**values, updated_at=sa.func.now()))
    row = get_user(conn, user_id)
    reason = rules.session_ending_change(current, row, password_changed="password" in changes)
    if reason:
        revoke_user_sessions(conn, user_id, reason)
    if rules.snapshot(row) != rules.snapshot(current):
        event = "gateway.user.deactivated" if current["active"] and not row["active"] else "gateway.user.updated"
        publish(conn, outbox, ctx, event, row)
    return row


def change_password(conn: Connection, user_id: str, password: str) -> None:
    """The user's new password (also clears a pending must-change); every session of the
    user ends (the caller logs in again with the new password)."""
    conn.execute(users.update().where(users.c.id == user_id)
                 .values(password_hash=hash_password(password), must_change_password=False,
                         updated_at=sa.func.now()))
    revoke_user_sessions(conn, user_id, "password_changed")


def rehash_password(conn: Connection, user_id: str, password: str) -> None:
    """The same password hashed with the current cost parameters (at login)."""
    conn.execute(users.update().where(users.c.id == user_id).values(password_hash=hash_password(password)))


def list_users(conn: Connection, *, page: int, per_page: int, role: str | None = None,
               manager_id: str | None = None, active: bool | None = None,
               q: str | None = None) -> tuple[list[dict[str, Any]], int]:
    where = []
    if role:
        where.append(users.c.role == role)
    if manager_id:
        where.append(users.c.manager_id == manager_id)
    if active is not None:
        where.append(users.c.active == active)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        where.append(sa.or_(users.c.username.ilike(pattern), users.c.full_name.ilike(pattern)))
    clause = sa.and_(sa.true(), *where)
    total = conn.execute(sa.select(sa.func.count()).select_from(users).where(clause)).scalar_one()
    rows = conn.execute(
        sa.select(*USER_COLUMNS).where(clause)
        .order_by(users.c.created_at.desc(), users.c.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).mappings().all()
    return [dict(r) for r in rows], int(total)


def ensure_first_admin(conn: Connection, outbox: Outbox, username: str, password: str,
                       region: str | None, *, must_change_password: bool = False) -> dict[str, Any] | None:
    """Create the first admin when no user exists (safe under concurrent callers)."""
    lock_hierarchy(conn)
    if conn.execute(sa.select(users.c.id).limit(1)).first():
        return None
    return create_user(conn, outbox, EventContext(), username=username, password=password,
                       role="admin", full_name="Administrator", region=region,
                       must_change_password=must_change_password)
