"""Assignment grants, written by the customer service (which owns the assignable records:
complaints today, service orders and tasks next).

Assigning a record to a user gives them access to it and READ access to its customer
(the rule and what "read" covers: shared.visibility). The grant is kept in acl_grants here,
in the same transaction as the assignment, and reaches every other service's copy through
customer.assignment.granted / .revoked (each carrying the record's full grantee list, so a
projection applies the newest by sequence), which also put it on the customer's timeline.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.outbox import EventContext, Outbox
from shared.visibility import record_grantees, set_grants

_NAMES = sa.text("SELECT id, coalesce(full_name, username) AS name FROM acl_users WHERE id = ANY(:ids)")


def assign(conn: Connection, outbox: Outbox, context: EventContext, *, record_type: str, record_id: str,
           customer_id: str, label: str | None, assignees: list[str]) -> None:
    """Make `assignees` the users the record is assigned to: grants for the new ones,
    revocations for the ones no longer assigned (their other access is untouched), one
    event per change. Nothing happens when the set is unchanged."""
    before = record_grantees(conn, record_type, record_id)
    after = list(dict.fromkeys(assignees))
    removed = [u for u in before if u not in after]
    added = [u for u in after if u not in before]
    if not removed and not added:
        return
    set_grants(conn, record_type, record_id, customer_id, after)
    names = {r.id: r.name for r in conn.execute(_NAMES, {"ids": removed + added})}
    for event_type, users in (("customer.assignment.revoked", removed), ("customer.assignment.granted", added)):
        for user_id in users:
            outbox.add(conn, context, event_type, aggregate_type="assignment", aggregate_id=record_id,
                       customer_id=customer_id,
                       data={"record_type": record_type, "record_id": record_id, "customer_id": customer_id,
                             "label": label, "user_id": user_id, "user_name": names.get(user_id),
                             "users": after})
