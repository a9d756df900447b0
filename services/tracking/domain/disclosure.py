"""How much of an event a reader may see (no I/O).

The timeline and the audit show an entry to whoever may see its customer (or, for
finance and warehouse, its service). Some records have their own, narrower visibility
than their customer: an expense claim (its submitter, the managers above them, finance
and admin: billing's /expenses rule), an out-of-office registration and a work plan (their
user, the managers above, admin: the customer service's rule). A reader outside that
circle sees that such a record was filed, by whom and when, but not its amount or text:
the entry's data is cut to a few ids and its line says what happened, not how much.
Cost prices are shown only to admin, finance and managers, so they are cut from product
events for everyone else. Decided from the events alone (the payload names the record's
user; the reader's team comes from the local user copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COST_READERS = frozenset({"admin", "finance", "manager"})
COST_FIELDS = ("cost_price",)


@dataclass(frozen=True)
class Reader:
    user_id: str
    role: str
    team: frozenset[str]  # the reader and, for a manager, everyone below them

    @property
    def sees_cost(self) -> bool:
        return self.role in COST_READERS


@dataclass(frozen=True)
class Narrower:
    """Events about a record with its own visibility."""

    owner_field: str             # the payload field naming the user the record belongs to
    sees_all: frozenset[str]     # roles that see every such record
    keep: tuple[str, ...]        # payload fields shown to any reader of the entry
    lines: dict[str, tuple[str, str]]  # event type -> (English, Chinese) line without detail


NARROWER: dict[str, Narrower] = {
    "billing.expense.": Narrower(
        "submitter_id", frozenset({"admin", "finance"}), ("id", "submitter_id", "customer_id", "order_id", "project_id",
                                                   "status"),
        {"billing.expense.submitted": ("filed an expense claim", "提交了一笔费用报销"),
         "billing.expense.approved": ("approved an expense claim", "批准了一笔费用报销"),
         "billing.expense.rejected": ("rejected an expense claim", "驳回了一笔费用报销"),
         "billing.expense.paid": ("paid an expense claim", "支付了一笔费用报销")}),
    "customer.out_of_office.": Narrower(
        "user_id", frozenset({"admin"}), ("id", "user_id", "customer_id"),
        {"customer.out_of_office.registered": ("registered an out-of-office", "登记了外出")}),
    "customer.work_plan.": Narrower(
        "user_id", frozenset({"admin"}), ("id", "user_id", "week_start"),
        {"customer.work_plan.submitted": ("submitted a work plan", "提交了周工作计划"),
         "customer.work_plan.updated": ("updated a work plan", "更新了周工作计划")}),
}
_GENERIC = ("recorded a restricted entry", "记录了一条受限条目")


def narrower_rule(event_type: str) -> Narrower | None:
    for prefix, rule in NARROWER.items():
        if event_type.startswith(prefix):
            return rule
    return None


def may_see_record(reader: Reader, rule: Narrower, data: dict[str, Any]) -> bool:
    if reader.role in rule.sees_all:
        return True
    owner = data.get(rule.owner_field)
    return isinstance(owner, str) and owner in reader.team


@dataclass(frozen=True)
class Disclosed:
    data: Any
    summary_en: str
    summary_zh: str | None
    redacted: bool


def disclose(reader: Reader, event_type: str, data: Any, summary_en: str, summary_zh: str | None) -> Disclosed:
    """The entry's payload and line as this reader may see them."""
    if not isinstance(data, dict):
        return Disclosed(data, summary_en, summary_zh, False)
    rule = narrower_rule(event_type)
    if rule is not None and not may_see_record(reader, rule, data):
        en, zh = rule.lines.get(event_type, _GENERIC)
        return Disclosed({k: data[k] for k in rule.keep if k in data}, en, zh, True)
    if not reader.sees_cost and any(k in data for k in COST_FIELDS):
        return Disclosed({k: v for k, v in data.items() if k not in COST_FIELDS}, summary_en, summary_zh, True)
    return Disclosed(data, summary_en, summary_zh, False)
