"""The caller as the disclosure rule (domain/disclosure.py) needs them."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from services.tracking.domain.disclosure import Reader
from shared.identity import Principal
from shared.visibility import visible_user_ids


def reader_of(conn: Connection, me: Principal) -> Reader:
    """Role and team: the caller and, for a manager, everyone below them (the local user copy)."""
    team = visible_user_ids(conn, me) if me.role in ("sales", "manager") else [me.user_id]
    return Reader(me.user_id, me.role, frozenset(team))
