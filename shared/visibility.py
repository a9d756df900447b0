"""Who may see what: one rule for every service (API.md, Visibility).

- admin sees everything;
- sales sees customers they own or that were shared with them, and what hangs off them;
- manager sees their own, their subordinates' (transitively) and those shared with them;
- finance sees billing of every customer; warehouse sees inventory and orders to ship;
- an ASSIGNMENT GRANT gives READ access (below).

Every service keeps a local copy of users (from gateway.user.* events), of customer
owners and shares (from customer.customer.* events) and of assignment grants (from
customer.assignment.* events) in the acl_* tables, maintained by the handlers here; the
customer service writes the same tables in its own transactions. A record outside the
caller's view is answered as 404 by the caller.

Assignment grants. Assigning a record (a complaint today; service orders and tasks use the
same mechanism) to a user writes a grant keyed by (record type, record id, user) with the
record's customer. The assignee, whatever their role (only inactive users cannot be
assigned), then has:
- access to the assigned record itself (the customer service lets the assignee of a
  complaint read it and move its status, as its owner could);
- READ access to the record's customer: the customer record, its contacts, activities,
  complaints and timeline, and, read-only, the records hanging off it in sales (opportunities,
  quotes, orders, contracts), billing (invoices, payments, receivables) and inventory
  (loans, shipments). Why the commercial records too: the timeline, which the assignee
  must see to handle the case, already shows every order, invoice and payment with its
  number and amount; hiding the records those lines name would only break the links, not
  keep a secret. Reports (sales performance, funnel, ...) are not opened by a grant: they
  are about a team's results, not one customer.
- never WRITE access to the customer or anything else of it: no editing the customer,
  adding contacts or activities, no quotes, orders, invoices or payments for it.
Reassigning (or unassigning) removes that grant only; access the user has otherwise
(owner, share, hierarchy, another assignment) stays. Every grant and revocation is an event
on the customer's timeline.

In code: the read paths pass `read=True` to `customer_filter` / `can_see_customer`
(grants count); the default (`read=False`) is the write rule, where grants do not count,
so a path that forgets the flag errs on the side of refusing.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from shared.consumer import HandlerTable, Reactions, newer_than_applied
from shared.copies import CopyMissing, notify_copy, notify_sql
from shared.envelope import Envelope
from shared.errors import Forbidden, ValidationFailed
from shared.identity import Principal

# Which roles see every customer's records in which domain.
SEES_ALL = {
    "admin": {"customer", "sales", "inventory", "shipping", "billing", "tracking", "reports"},
    "finance": {"billing", "reports"},
    "warehouse": {"inventory", "shipping"},
}
# The domains where an assignment grant gives read access to the customer's records.
GRANT_DOMAINS = frozenset({"customer", "sales", "inventory", "shipping", "billing", "tracking"})


def add_visibility_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    users = sa.Table(
        "acl_users", metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("manager_id", sa.String(36), nullable=True, index=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    customers = sa.Table(
        "acl_customers", metadata,
        sa.Column("customer_id", sa.String(36), primary_key=True),
        sa.Column("owner_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    )
    shares = sa.Table(
        "acl_customer_shares", metadata,
        sa.Column("customer_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), primary_key=True, index=True),
    )
    grants = sa.Table(
        "acl_grants", metadata,
        sa.Column("record_type", sa.String(40), primary_key=True),
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Index("ix_acl_grants_user_customer", "user_id", "customer_id"),
        sa.Index("ix_acl_grants_customer", "customer_id"),
    )
    return {"acl_users": users, "acl_customers": customers, "acl_customer_shares": shares,
            "acl_grants": grants}


_SUBTREE_SQL = """
WITH RECURSIVE team(id) AS (
    SELECT CAST(:me AS varchar)
    UNION
    SELECT u.id FROM acl_users u JOIN team t ON u.manager_id = t.id
)
"""


def sees_all(principal: Principal, domain: str) -> bool:
    return domain in SEES_ALL.get(principal.role, set())


def visible_user_ids(conn: Connection, principal: Principal) -> list[str]:
    """The caller and, for a manager, every subordinate down the hierarchy."""
    if principal.role != "manager":
        return [principal.user_id]
    rows = conn.execute(sa.text(_SUBTREE_SQL + "SELECT id FROM team"), {"me": principal.user_id})
    return [r[0] for r in rows]


def grants_read(principal: Principal, domain: str, read: bool) -> bool:
    """Whether assignment grants count here: only when reading, in a grant domain."""
    return read and domain in GRANT_DOMAINS


def granted_customer_ids(principal: Principal) -> sa.Select:
    """The customers the caller may read through assignment grants (a subquery)."""
    return sa.select(sa.column("customer_id")).select_from(sa.table("acl_grants")).where(
        sa.column("user_id") == principal.user_id
    )


def customer_filter(
    conn: Connection, principal: Principal, customer_id_col: ColumnElement, domain: str, *, read: bool = False
) -> ColumnElement:
    """A WHERE clause limiting rows (by their customer id column) to what the caller sees;
    read=True on read paths (lists, searches, exports): assignment grants count too."""
    if sees_all(principal, domain):
        return sa.true()
    clauses = []
    if principal.role in ("sales", "manager"):
        owners = visible_user_ids(conn, principal)
        owned = sa.select(sa.column("customer_id")).select_from(sa.table("acl_customers")).where(
            sa.column("owner_id").in_(owners)
        )
        shared = sa.select(sa.column("customer_id")).select_from(sa.table("acl_customer_shares")).where(
            sa.column("user_id") == principal.user_id
        )
        clauses += [customer_id_col.in_(owned), customer_id_col.in_(shared)]
    if grants_read(principal, domain, read):
        clauses.append(customer_id_col.in_(granted_customer_ids(principal)))
    return sa.or_(*clauses) if clauses else sa.false()


def owner_filter(conn: Connection, principal: Principal, owner_col: ColumnElement, domain: str) -> ColumnElement:
    """A WHERE clause for records that belong to a user rather than a customer."""
    if sees_all(principal, domain):
        return sa.true()
    if principal.role not in ("sales", "manager"):
        return owner_col == principal.user_id
    return owner_col.in_(visible_user_ids(conn, principal))


def can_see_customer(conn: Connection, principal: Principal, customer_id: str | None, domain: str, *,
                     read: bool = False) -> bool:
    """Whether the caller sees the customer's records in the domain; read=True when the
    caller only reads (assignment grants count), False before a write (they do not)."""
    if sees_all(principal, domain):
        return True
    if customer_id is None:
        return False
    if principal.role in ("sales", "manager"):
        row = conn.execute(
            sa.text(
                "SELECT 1 FROM acl_customers WHERE customer_id = :c AND owner_id = ANY(:owners) "
                "UNION ALL SELECT 1 FROM acl_customer_shares WHERE customer_id = :c AND user_id = :me LIMIT 1"
            ),
            {"c": str(customer_id), "owners": visible_user_ids(conn, principal), "me": principal.user_id},
        ).first()
        if row is not None:
            return True
    return grants_read(principal, domain, read) and has_grant(conn, principal.user_id, str(customer_id))


def has_grant(conn: Connection, user_id: str, customer_id: str) -> bool:
    """Whether an assignment grant gives the user read access to the customer."""
    return conn.execute(
        sa.text("SELECT 1 FROM acl_grants WHERE user_id = :u AND customer_id = :c LIMIT 1"),
        {"u": user_id, "c": customer_id},
    ).first() is not None


def is_manager_of(conn: Connection, manager_id: str, user_id: str) -> bool:
    """True when manager_id is above user_id in the hierarchy (transitively)."""
    if manager_id == user_id:
        return False
    row = conn.execute(
        sa.text(_SUBTREE_SQL + "SELECT 1 FROM team WHERE id = :uid AND id <> :me"),
        {"me": manager_id, "uid": user_id},
    ).first()
    return row is not None


# Who may own records (customers, opportunities, ...): the roles that sell.
OWNER_ROLES = ("sales", "manager", "admin")


def may_assign_to(role: str, user_id: str, owner_id: str, manages_owner: bool) -> bool:
    """The assignment rule, without I/O: anyone may name themselves; a manager anyone in
    their team (manages_owner: transitively below them); admin anyone."""
    if owner_id == user_id or role == "admin":
        return True
    return role == "manager" and manages_owner


def require_assignable_owner(conn: Connection, principal: Principal, owner_id: object, *,
                             field: str = "owner_id", roles: tuple[str, ...] = OWNER_ROLES) -> str:
    """The one rule for an `owner_id` (or any "make this user the owner") a caller sends, in
    every service: an ACTIVE user, known from the local user copy, with a role that may own
    records, whom the caller may assign to (themselves; a manager their team, transitively;
    admin anyone). Unknown, inactive or of the wrong role: 422 naming the field; someone
    else's: 403. Returns the owner id."""
    if owner_id == principal.user_id:
        return principal.user_id  # naming oneself needs no look-up (the copy may lag a new user)
    user = None
    if isinstance(owner_id, str):
        user = conn.execute(sa.text("SELECT id, role, active FROM acl_users WHERE id = :u"),
                            {"u": owner_id}).first()
    refusal = ValidationFailed("unknown or inactive user", details={field: ["unknown or inactive user"]})
    if user is None and isinstance(owner_id, str):
        raise CopyMissing(refusal, ("acl_users", owner_id))  # a user just created: wait for the copy
    if user is None or not user.active:
        raise refusal
    if roles and user.role not in roles:
        raise ValidationFailed("user has the wrong role",
                               details={field: [f"must be a user with role {' or '.join(roles)}"]})
    manages = principal.role == "manager" and is_manager_of(conn, principal.user_id, user.id)
    if not may_assign_to(principal.role, principal.user_id, user.id, manages):
        raise Forbidden("you may assign records only to yourself or, as a manager, to your team",
                        details={field: ["not a user you may assign to"]})
    return user.id


# ---- maintaining the local copies -------------------------------------------------

def upsert_user(conn: Connection, user: dict) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO acl_users (id, username, full_name, role, manager_id, active) "
            "VALUES (:id, :username, :full_name, :role, :manager_id, :active) "
            "ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, full_name = EXCLUDED.full_name, "
            "role = EXCLUDED.role, manager_id = EXCLUDED.manager_id, active = EXCLUDED.active"
        ),
        {k: user.get(k) for k in ("id", "username", "full_name", "role", "manager_id", "active")},
    )


def upsert_customer(conn: Connection, customer_id: str, owner_id: str, name: str | None,
                    status: str, shared_with: list[str]) -> None:
    """Set a customer's owner, status and full share list in the local copy."""
    conn.execute(
        sa.text(
            "INSERT INTO acl_customers (customer_id, owner_id, name, status) VALUES (:c, :o, :n, :s) "
            "ON CONFLICT (customer_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, name = EXCLUDED.name, "
            "status = EXCLUDED.status"
        ),
        {"c": customer_id, "o": owner_id, "n": name, "s": status},
    )
    conn.execute(sa.text("DELETE FROM acl_customer_shares WHERE customer_id = :c"), {"c": customer_id})
    if shared_with:
        conn.execute(
            sa.text("INSERT INTO acl_customer_shares (customer_id, user_id) VALUES (:c, :u) ON CONFLICT DO NOTHING"),
            [{"c": customer_id, "u": u} for u in shared_with],
        )


def on_user_event(conn: Connection, event: Envelope, _reactions: Reactions) -> None:
    if newer_than_applied(conn, "acl_user", event.aggregate_id, event.aggregate_seq):
        upsert_user(conn, event.data)
        notify_copy(conn, "acl_users", event.data["id"])  # wakes requests waiting for this user


# The sequence guard, the owner row, the share list and the notification to requests
# waiting for this copy (shared.copies; delivered at commit) in one statement: every
# service's consumer runs this for every customer event, so round trips count.
_APPLY_CUSTOMER_SQL = sa.text("""
WITH guard AS (
    INSERT INTO projection_versions (projection, aggregate_id, last_seq) VALUES ('acl_customer', :c, :seq)
    ON CONFLICT (projection, aggregate_id) DO UPDATE SET last_seq = EXCLUDED.last_seq
    WHERE projection_versions.last_seq < EXCLUDED.last_seq
    RETURNING 1
), note AS (
    SELECT """ + notify_sql("acl_customers", "c") + """ FROM guard
), owner_row AS (
    INSERT INTO acl_customers (customer_id, owner_id, name, status)
    SELECT :c, :o, :n, :s FROM guard CROSS JOIN note
    ON CONFLICT (customer_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, name = EXCLUDED.name,
        status = EXCLUDED.status
    RETURNING 1
), dropped AS (
    DELETE FROM acl_customer_shares
    WHERE customer_id = :c AND EXISTS (SELECT 1 FROM guard) AND user_id <> ALL(CAST(:shared AS varchar[]))
    RETURNING 1
)
INSERT INTO acl_customer_shares (customer_id, user_id)
SELECT :c, u FROM unnest(CAST(:shared AS varchar[])) AS u WHERE EXISTS (SELECT 1 FROM guard)
ON CONFLICT DO NOTHING
""")


def on_customer_event(conn: Connection, event: Envelope, _reactions: Reactions) -> None:
    """Apply a customer snapshot to the local copy unless a newer one was applied already."""
    d = event.data
    conn.execute(_APPLY_CUSTOMER_SQL, {
        "c": d["id"], "seq": int(event.aggregate_seq), "o": d["owner_id"], "n": d.get("name"),
        "s": d["status"], "shared": list(d.get("shared_with") or []),
    })


_DROP_GRANTS_SQL = sa.text(
    "DELETE FROM acl_grants WHERE record_type = :t AND record_id = :r AND user_id <> ALL(CAST(:u AS varchar[]))"
)
_ADD_GRANTS_SQL = sa.text(
    "INSERT INTO acl_grants (record_type, record_id, user_id, customer_id) "
    "SELECT :t, :r, u, :c FROM unnest(CAST(:u AS varchar[])) AS u "
    "ON CONFLICT (record_type, record_id, user_id) DO UPDATE SET customer_id = EXCLUDED.customer_id"
)


def set_grants(conn: Connection, record_type: str, record_id: str, customer_id: str, users: list[str]) -> None:
    """Make `users` exactly the grantees of the record (of that customer) in the local copy."""
    params = {"t": record_type, "r": str(record_id), "c": str(customer_id), "u": [str(u) for u in users]}
    conn.execute(_DROP_GRANTS_SQL, params)
    if users:
        conn.execute(_ADD_GRANTS_SQL, params)


def record_grantees(conn: Connection, record_type: str, record_id: str) -> list[str]:
    return list(conn.execute(
        sa.text("SELECT user_id FROM acl_grants WHERE record_type = :t AND record_id = :r ORDER BY user_id"),
        {"t": record_type, "r": str(record_id)},
    ).scalars())


def on_grant_event(conn: Connection, event: Envelope, _reactions: Reactions) -> None:
    """customer.assignment.granted / revoked carry the record's full grantee list: apply the
    newest, skip stale and redelivered ones."""
    d = event.data
    if newer_than_applied(conn, "acl_grant", f"{d['record_type']}:{d['record_id']}", event.aggregate_seq):
        set_grants(conn, d["record_type"], d["record_id"], d["customer_id"], list(d.get("users") or []))


def visibility_handlers(*, customers: bool = True) -> HandlerTable:
    """The handlers that keep the acl_* copies; every service adds them to its table
    (the customer service with customers=False: it writes acl_customers and acl_grants
    itself)."""
    table = HandlerTable()
    table.add("gateway.user.#", on_user_event, name="acl.users")
    if customers:
        table.add("customer.customer.#", on_customer_event, name="acl.customers")
        table.add("customer.assignment.#", on_grant_event, name="acl.grants")
    return table


def customer_names(conn: Connection, customer_ids: list[str]) -> dict[str, str | None]:
    """Names of customers from this service's copy (acl_customers), for records the caller
    may already read (an order to ship, an invoice to chase): the name only, never access to
    the rest of the customer."""
    wanted = sorted({c for c in customer_ids if c})
    if not wanted:
        return {}
    rows = conn.execute(sa.text("SELECT customer_id, name FROM acl_customers WHERE customer_id = ANY(:ids)"),
                        {"ids": wanted})
    return {r.customer_id: r.name for r in rows}


def with_customer_names(conn: Connection, items: list[dict]) -> list[dict]:
    """The same answers with `customer_name` added (one query for the whole page)."""
    names = customer_names(conn, [i.get("customer_id") for i in items])
    return [{**i, "customer_name": names.get(i.get("customer_id"))} for i in items]
