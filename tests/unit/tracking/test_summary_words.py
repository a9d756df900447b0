"""Timeline summaries use the user's words for codes (商务谈判, not negotiation), in both
languages, and every code the services define has its words."""

from __future__ import annotations

import pytest

from services.billing.api.fields import PAYMENT_METHODS
from services.billing.domain.expenses import STATUSES as EXPENSE_STATUSES
from services.sales.domain.contracts import STATUSES as CONTRACT_STATUSES
from services.sales.domain.opportunities import STAGES
from services.sales.domain.orders import STATUSES as ORDER_STATUSES
from services.sales.domain.quotes import STATUSES as QUOTE_STATUSES
from services.tracking.summaries import summarize
from shared.envelope import Envelope, new_id
from shared.events.labels import WORDS


def envelope(event_type: str, data: dict) -> Envelope:
    return Envelope(event_id=new_id(), event_type=event_type, version=1, producer=event_type.split(".")[0],
                    region="cn-east", aggregate_type=event_type.split(".")[1], aggregate_id=new_id(),
                    aggregate_seq=1, customer_id=None, actor_id=None, correlation_id=None, causation_id=None,
                    data=data)


@pytest.mark.parametrize(("key", "codes"), [
    (("opportunity", "stage"), STAGES), (("quote", "status"), QUOTE_STATUSES),
    (("order", "status"), ORDER_STATUSES), (("contract", "status"), CONTRACT_STATUSES),
    (("expense", "status"), EXPENSE_STATUSES), (("payment", "method"), PAYMENT_METHODS),
    (("activity", "kind"), ("call", "visit", "email", "meeting", "note")),
    (("complaint", "status"), ("open", "in_progress", "resolved")),
    (("lead", "status"), ("new", "converted", "disqualified")),
])
def test_every_code_has_words_in_both_languages(key, codes):
    for lang in ("zh", "en"):
        missing = [c for c in codes if c not in WORDS[key][lang]]
        assert not missing, f"{key} {lang}: {missing}"


def test_summaries_say_words_not_codes():
    en, zh = summarize(envelope("sales.opportunity.updated", {"name": "华东项目", "stage": "negotiation"}))
    assert zh == "商机 华东项目 进入 商务谈判 阶段"
    assert "negotiation" in en
    _en, zh = summarize(envelope("customer.activity.logged", {"kind": "visit", "summary": "面谈报价"}))
    assert zh == "记录了拜访：面谈报价"
    en, zh = summarize(envelope("sales.quote.updated", {"number": "QT-1", "status": "accepted"}))
    assert zh == "报价单 QT-1 状态：已接受" and en == "quote QT-1 is accepted"
    en, zh = summarize(envelope("customer.complaint.status_changed",
                                {"subject": "破损", "status": "in_progress", "previous_status": "open"}))
    assert zh == "投诉 破损 状态 待处理 → 处理中" and "in progress" in en


def test_amounts_are_grouped_by_thousands_in_both_languages():
    en, zh = summarize(envelope("billing.invoice.issued", {"number": "INV-1", "amount": "1234567.50"}))
    assert "¥1,234,567.50" in en and "¥1,234,567.50" in zh
    en, _zh = summarize(envelope("billing.invoice.issued", {"number": "INV-2", "amount": "305.10"}))
    assert "¥305.10" in en


def test_a_lead_activity_and_assignment_read_as_words():
    _en, zh = summarize(envelope("customer.lead_activity.logged",
                                 {"kind": "call", "summary": "约拜访", "lead_name": "李四"}))
    assert zh == "在线索 李四 上记录了电话：约拜访"
    en, zh = summarize(envelope("customer.lead.assigned", {"name": "李四"}))
    assert "李四" in zh and "李四" in en


def test_a_handed_over_customer_says_from_whom_to_whom():
    en, zh = summarize(envelope("customer.customer.transferred", {"name": "华东机电", "handover_note": "张三 → 李四"}))
    assert zh == "转移了客户 华东机电：张三 → 李四" and en.endswith(": 张三 → 李四")
    en, zh = summarize(envelope("customer.customer.transferred", {"name": "华东机电"}))
    assert zh == "转移了客户 华东机电"
