"""PDF documents (quote, contract) with reportlab. Chinese text is set in the CID font
STSong-Light (UniGB-UCS2-H), which every PDF reader has, so names land in the text layer
without embedding a font file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

# The documents' words per language ("zh" default, "en"); statuses are shown as words.
WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "quote": "报价单", "quote_no": "报价单号：", "customer": "客户：", "valid_until": "有效期至：",
        "status": "状态：", "terms": "条款：", "net_total": "合计（不含税）：", "tax_total": "税额：", "gross_total": "价税合计：",
        "col.no": "#", "col.product": "产品", "col.quantity": "数量", "col.unit_price": "单价",
        "col.discount": "折扣%", "col.tax_rate": "税率%", "col.net": "金额(不含税)", "col.tax": "税额",
        "quote_status.draft": "草稿", "quote_status.sent": "已发送", "quote_status.accepted": "已接受",
        "quote_status.rejected": "已拒绝", "quote_status.expired": "已过期",
        "contract_status.review": "审核中", "contract_status.signed": "已签署", "contract_status.fulfilled": "已履行",
    },
    "en": {
        "quote": "Quote", "quote_no": "Quote no.: ", "customer": "Customer: ", "valid_until": "Valid until: ",
        "status": "Status: ", "terms": "Terms:", "net_total": "Total (excl. tax): ", "tax_total": "Tax: ", "gross_total": "Total (incl. tax): ",
        "col.no": "#", "col.product": "Product", "col.quantity": "Qty", "col.unit_price": "Unit price",
        "col.discount": "Disc. %", "col.tax_rate": "Tax %", "col.net": "Net", "col.tax": "Tax",
        "quote_status.draft": "Draft", "quote_status.sent": "Sent", "quote_status.accepted": "Accepted",
        "quote_status.rejected": "Rejected", "quote_status.expired": "Expired",
        "contract_status.review": "In review", "contract_status.signed": "Signed",
        "contract_status.fulfilled": "Fulfilled",
    },
}
_COLUMN_X = (("col.no", 40), ("col.product", 70), ("col.quantity", 250), ("col.unit_price", 300),
             ("col.discount", 360), ("col.tax_rate", 410), ("col.net", 455), ("col.tax", 530))


def language(accept_language: str | None) -> str:
    """The document language from an Accept-Language header: "en" when English comes
    before Chinese, else "zh" (the default)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


def _word(lang: str, key: str) -> str:
    words = WORDS.get(lang, WORDS["zh"])
    return words.get(key, WORDS["zh"].get(key, key.split(".")[-1]))


def grouped(amount: str) -> str:
    """"1234567.50" -> "1,234,567.50" (the API's decimal strings, no float)."""
    sign = "-" if amount.startswith("-") else ""
    whole, _, frac = amount.lstrip("-").partition(".")
    whole = f"{int(whole):,}" if whole.isdigit() else whole
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


class _Writer:
    def __init__(self, title: str, lang: str = "zh"):
        self.lang = lang
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4, pageCompression=1)
        self.c.setTitle(title)
        self.c.setAuthor("CRM")
        self.width, self.height = A4
        self.y = self.height - 60

    def text(self, x: float, s: str, size: int = 10) -> None:
        self.c.setFont(FONT, size)
        self.c.drawString(x, self.y, s)

    def line(self, s: str = "", size: int = 10, gap: int = 16) -> None:
        self._room(gap)
        if s:
            self.text(40, s, size)
        self.y -= gap

    def _room(self, gap: int) -> None:
        if self.y - gap < 50:
            self.c.showPage()
            self.y = self.height - 60

    def table(self, lines: Sequence[dict[str, Any]]) -> None:
        self._room(18)
        for key, x in _COLUMN_X:
            self.text(x, _word(self.lang, key), 9)
        self.y -= 14
        for i, line in enumerate(lines, start=1):
            self._room(14)
            cells = (str(i), str(line.get("product_name") or line["product_id"])[:24], str(line["quantity"]),
                     line["unit_price"], line["discount_pct"], line["tax_rate"], line["net"], line["tax"])
            for (_, x), cell in zip(_COLUMN_X, cells, strict=True):
                self.text(x, cell, 9)
            self.y -= 14
        self.y -= 6

    def done(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def quote_pdf(quote: dict[str, Any], customer_name: str, company: str, lang: str = "zh") -> bytes:
    """quote: the API's view of a quote (money already formatted); lang "zh" or "en"."""
    w = _Writer(f"{_word(lang, 'quote')} {quote['number']}", lang)
    w.line(f"{company} {_word(lang, 'quote')}", size=16, gap=28)
    w.line(f"{_word(lang, 'quote_no')}{quote['number']}")
    w.line(f"{_word(lang, 'customer')}{customer_name}")
    w.line(f"{_word(lang, 'valid_until')}{quote['valid_until']}")
    w.line(f"{_word(lang, 'status')}{_word(lang, 'quote_status.' + quote['status'])}", gap=24)
    w.table(quote["lines"])
    w.line(f"{_word(lang, 'net_total')}¥{grouped(quote['net'])}")
    w.line(f"{_word(lang, 'tax_total')}¥{grouped(quote['tax'])}")
    w.line(f"{_word(lang, 'gross_total')}¥{grouped(quote['gross'])}", size=12)
    if quote.get("terms"):
        w.line(gap=8)
        w.line(_word(lang, "terms"), size=11, gap=18)
        for row in wrapped(quote["terms"]):
            w.line(row)
    return w.done()


def wrapped(text: str, width: int = 42) -> list[str]:
    """The terms as printed lines: the writer's own line breaks kept, long lines cut at
    `width` characters (a CJK character is as wide as about two Latin ones at 10 pt, so
    Latin text gets twice the characters)."""
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        row, used = "", 0.0
        for ch in paragraph:
            size = 1.0 if ord(ch) > 0x2E7F else 0.5
            if used + size > width:
                out.append(row)
                row, used = "", 0.0
            row += ch
            used += size
        out.append(row)
    return out


def contract_pdf(contract: dict[str, Any], order: dict[str, Any], customer_name: str, company: str) -> bytes:
    w = _Writer(f"销售合同 {contract['number']}")
    w.line(f"销售合同：{contract['title']}", size=16, gap=28)
    w.line(f"合同编号：{contract['number']}    订单号：{order['number']}")
    w.line(f"甲方（买方）：{customer_name}")
    w.line(f"乙方（卖方）：{company}")
    w.line(f"状态：{_word('zh', 'contract_status.' + contract['status'])}", gap=24)
    w.table(order["lines"])
    w.line(f"合同金额（价税合计）：¥{order['gross']}（不含税 ¥{order['net']}，税额 ¥{order['tax']}）", size=11)
    terms = contract.get("terms") or ""
    if terms:
        w.line("条款：", gap=18)
        for para in terms.splitlines():
            for start in range(0, max(len(para), 1), 40):
                w.line("  " + para[start:start + 40])
    w.line(gap=30)
    w.line("甲方签字（盖章）：________________        乙方签字（盖章）：________________")
    return w.done()
