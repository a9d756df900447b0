"""A contact's direct superior (直接领导): another contact of the same customer, and never one
below the contact (no loops in the customer's organisation chart)."""

from __future__ import annotations

from collections.abc import Callable


def superior_problem(contact_id: str | None, customer_id: str, superior_id: str,
                     superior_customer_id: str | None, superior_of: Callable[[str], str | None],
                     max_depth: int = 50) -> str | None:
    """Why superior_id cannot be this contact's superior (None: it can). superior_of(id)
    gives a contact's own superior, to walk up from the proposed one."""
    if superior_customer_id is None:
        return "no such contact"
    if superior_customer_id != customer_id:
        return "must be a contact of the same customer"
    if contact_id is not None:
        seen: set[str] = set()
        current: str | None = superior_id
        while current is not None and current not in seen and len(seen) < max_depth:
            if current == contact_id:
                return "cannot be the contact itself or someone who reports to it"
            seen.add(current)
            current = superior_of(current)
    return None
