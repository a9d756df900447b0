"""The user's words for the codes that event payloads carry (a stage, a status, a kind, a
payment method), in Chinese and English, so that a summary on the timeline reads
"商机 X 进入 商务谈判 阶段", never "进入 negotiation 阶段".

Codes are looked up per aggregate and field (`("quote", "status")`): the same code can
mean different words on different records (a rejected quote 已拒绝, a rejected expense
已驳回). A code without a word is shown as it is (a new code must get its words here; the
tests check that every code the services define has them)."""

from __future__ import annotations

from typing import Any

_ORDER_STATUS = {
    "zh": {"pending_approval": "待审批", "pending": "待确认", "confirmed": "已确认", "rejected": "已拒绝",
           "partially_shipped": "部分发货", "shipped": "已发货", "cancelled": "已取消", "closed": "已关闭"},
    "en": {"pending_approval": "awaiting approval", "pending": "pending", "confirmed": "confirmed",
           "rejected": "rejected", "partially_shipped": "partly shipped", "shipped": "shipped",
           "cancelled": "cancelled", "closed": "closed"},
}
_PAYMENT_METHOD = {
    "zh": {"bank_transfer": "银行转账", "cash": "现金", "cheque": "支票", "alipay": "支付宝", "wechat_pay": "微信支付",
           "card": "银行卡", "bank_acceptance_bill": "银行承兑汇票", "other": "其他方式"},
    "en": {"bank_transfer": "bank transfer", "cash": "cash", "cheque": "cheque", "alipay": "Alipay",
           "wechat_pay": "WeChat Pay", "card": "card", "bank_acceptance_bill": "bank acceptance bill",
           "other": "other means"},
}

WORDS: dict[tuple[str, str], dict[str, dict[str, str]]] = {
    ("activity", "kind"): {
        "zh": {"call": "电话", "visit": "拜访", "meeting": "会议", "email": "邮件", "note": "备注"},
        "en": {"call": "call", "visit": "visit", "meeting": "meeting", "email": "e-mail", "note": "note"},
    },
    ("opportunity", "stage"): {
        "zh": {"prospecting": "初步接触", "qualification": "需求确认", "proposal": "方案报价", "negotiation": "商务谈判",
               "won": "赢单", "lost": "输单"},
        "en": {"prospecting": "prospecting", "qualification": "qualification", "proposal": "proposal",
               "negotiation": "negotiation", "won": "won", "lost": "lost"},
    },
    ("quote", "status"): {
        "zh": {"draft": "草稿", "sent": "已发送", "accepted": "已接受", "rejected": "已拒绝", "expired": "已过期"},
        "en": {"draft": "a draft", "sent": "sent", "accepted": "accepted", "rejected": "rejected", "expired": "expired"},
    },
    ("contract", "status"): {
        "zh": {"review": "审核中", "signed": "已签订", "fulfilled": "已履行"},
        "en": {"review": "in review", "signed": "signed", "fulfilled": "fulfilled"},
    },
    ("lead", "status"): {
        "zh": {"new": "新线索", "converted": "已转化", "disqualified": "无效"},
        "en": {"new": "new", "converted": "converted", "disqualified": "disqualified"},
    },
    ("complaint", "status"): {
        "zh": {"open": "待处理", "in_progress": "处理中", "resolved": "已解决"},
        "en": {"open": "open", "in_progress": "in progress", "resolved": "resolved"},
    },
    ("complaint", "previous_status"): {},  # filled below: same words as status
    ("expense", "status"): {
        "zh": {"submitted": "待审批", "approved": "已批准", "rejected": "已驳回", "paid": "已支付"},
        "en": {"submitted": "submitted", "approved": "approved", "rejected": "rejected", "paid": "paid"},
    },
    ("order", "status"): _ORDER_STATUS,
    ("payment", "method"): _PAYMENT_METHOD,
    ("loan", "kind"): {
        "zh": {"loan": "借出", "sample": "样品"},
        "en": {"loan": "loan", "sample": "sample"},
    },
    ("customer", "status"): {
        "zh": {"active": "正常", "lost": "已流失", "deleted": "已删除"},
        "en": {"active": "active", "lost": "lost", "deleted": "deleted"},
    },
    ("service_order", "status"): {
        "zh": {"open": "待处理", "in_progress": "处理中", "waiting_parts": "等待备件", "done": "已完成", "closed": "已关闭"},
        "en": {"open": "open", "in_progress": "in progress", "waiting_parts": "waiting for parts", "done": "done",
               "closed": "closed"},
    },
    ("service_order", "previous_status"): {},  # filled below: same words as status
    ("service_order", "kind"): {
        "zh": {"service": "服务", "repair": "维修"},
        "en": {"service": "service", "repair": "repair"},
    },
    ("service_order", "priority"): {
        "zh": {"low": "低", "normal": "普通", "high": "高", "urgent": "紧急"},
        "en": {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent"},
    },
}
WORDS[("complaint", "previous_status")] = WORDS[("complaint", "status")]
WORDS[("service_order", "previous_status")] = WORDS[("service_order", "status")]
WORDS[("lead_activity", "kind")] = WORDS[("activity", "kind")]  # a call or visit on a lead (issue 16)


def aggregate_of(event_type: str) -> str:
    """'sales.quote.status_changed' -> 'quote'."""
    parts = event_type.split(".")
    return parts[1] if len(parts) > 2 else ""


def word(event_type: str, field: str, value: Any, lang: str) -> Any:
    """The word for a coded value of this event's aggregate, or the value unchanged."""
    table = WORDS.get((aggregate_of(event_type), field))
    if not table or not isinstance(value, str):
        return value
    return table.get(lang, {}).get(value, value)


def translated(event_type: str, data: dict[str, Any], lang: str) -> dict[str, Any]:
    """The payload with every coded value replaced by its word in lang ('zh' or 'en')."""
    aggregate = aggregate_of(event_type)
    out = dict(data)
    for (agg, field), table in WORDS.items():
        if agg == aggregate and isinstance(out.get(field), str):
            out[field] = table.get(lang, {}).get(out[field], out[field])
    return out
