"""Rules for competitors and customer kinds (issue 16): who may record a competitor, the
key that makes two spellings of one company the same competitor, and the kinds a
customer record can be."""

from __future__ import annotations

from services.customer.domain.normalize import name_key

# A customer record is a customer unless it says otherwise (美萍: agents, partners, ...)
CUSTOMER_KINDS = ("customer", "agent", "partner", "supplier", "competitor")
DEFAULT_KIND = "customer"

# Competitors are shared reference data: everyone reads them; these roles record them
COMPETITOR_EDITORS = ("sales", "manager", "admin")


def may_edit_competitors(role: str) -> bool:
    return role in COMPETITOR_EDITORS


def competitor_key(name: str) -> str:
    """One key per company: "华为技术有限公司" and "华为技术" are the same competitor."""
    return name_key(name.strip())[:200]
