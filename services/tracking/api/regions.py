"""Head office's managers see every branch (issue 18): at head office (tracking receiving
linked regions, CRM_REGION_LINKS), a manager sees the branches' events, orders and
opportunities besides their team's; admins see everything anyway; reps, finance and
warehouse keep their own rules. A branch's tracking has no other region's events, so its
users see their branch only."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from shared.identity import Principal
from shared.service import service_context

ALL_REGIONS_ROLES = ("manager",)


def branch_regions(me: Principal) -> list[str]:
    """The branches whose records this reader sees in full here (empty: none)."""
    settings = service_context().settings
    if me.role not in ALL_REGIONS_ROLES or not settings.receives_regions:
        return []
    return [region for region, _user in settings.region_links]


def with_branches(scope: ColumnElement, region_col: ColumnElement, me: Principal) -> ColumnElement:
    """scope, widened to the branches' rows for a head-office manager."""
    regions = branch_regions(me)
    return sa.or_(scope, region_col.in_(regions)) if regions else scope


_BRANCH_CUSTOMER = sa.text("SELECT 1 FROM events WHERE customer_id = :c AND region = ANY(:r) LIMIT 1")


def is_branch_customer(conn: Connection, me: Principal, customer_id: str) -> bool:
    """True when the customer is a branch's and the reader sees the branches."""
    regions = branch_regions(me)
    return bool(regions) and conn.execute(_BRANCH_CUSTOMER, {"c": customer_id, "r": regions}).first() is not None
