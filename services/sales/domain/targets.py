"""Sales targets (销售目标): an amount of revenue (incl. tax, as the reports count orders)
per rep and month. A target is set or removed by a manager above the rep (any level) or an
admin, never by the rep; a manager may not set their own. Months are YYYY-MM in the agreed
years; an amount is positive (removing a target is its own call)."""

from __future__ import annotations

import re
from decimal import Decimal

from shared.errors import Forbidden, ValidationFailed

MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
FIRST_YEAR, LAST_YEAR = 1901, 2999
TARGET_ROLES = frozenset({"sales", "manager"})  # who can carry a target


def check_month(value: str) -> str:
    """'2026-11' (422 otherwise)."""
    match = MONTH.match(value or "")
    if not match or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise ValidationFailed("invalid month", details={"month": ["must be a month YYYY-MM"]})
    return value


def check_amount(amount: Decimal) -> Decimal:
    if amount <= 0:
        raise ValidationFailed("invalid amount", details={"amount": ["must be more than 0"]})
    return amount


def check_may_set(*, actor_id: str, actor_role: str, owner_id: str, owner_role: str | None,
                  actor_manages_owner: bool) -> None:
    """422 when the target's owner is nobody who sells; 403 unless the actor is an admin or
    a manager above the owner."""
    if owner_role not in TARGET_ROLES:
        raise ValidationFailed("unknown sales rep", details={"owner_id": ["no such sales rep or manager"]})
    if actor_role == "admin":
        return
    if actor_role == "manager" and actor_id != owner_id and actor_manages_owner:
        return
    raise Forbidden("only the rep's managers or an admin may set their targets")
