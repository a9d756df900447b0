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

_COLUMNS = (("#", 40), ("产品", 70), ("数量", 250), ("单价", 300), ("折扣%", 360), ("税率%", 410),
            ("金额(不含税)", 455), ("税额", 530))


class _Writer:
    def __init__(self, title: str):
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
        for label, x in _COLUMNS:
            self.text(x, label, 9)
        self.y -= 14
        for i, line in enumerate(lines, start=1):
            self._room(14)
            cells = (str(i), str(line.get("product_name") or line["product_id"])[:24], str(line["quantity"]),
                     line["unit_price"], line["discount_pct"], line["tax_rate"], line["net"], line["tax"])
            for (_, x), cell in zip(_COLUMNS, cells, strict=True):
                self.text(x, cell, 9)
            self.y -= 14
        self.y -= 6

    def done(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def quote_pdf(quote: dict[str, Any], customer_name: str, company: str) -> bytes:
    """quote: the API's view of a quote (money already formatted)."""
    w = _Writer(f"报价单 {quote['number']}")
    w.line(f"{company} 报价单", size=16, gap=28)
    w.line(f"报价单号：{quote['number']}")
    w.line(f"客户：{customer_name}")
    w.line(f"有效期至：{quote['valid_until']}")
    w.line(f"状态：{quote['status']}", gap=24)
    w.table(quote["lines"])
    w.line(f"合计（不含税）：¥{quote['net']}")
    w.line(f"税额：¥{quote['tax']}")
    w.line(f"价税合计：¥{quote['gross']}", size=12)
    return w.done()


def contract_pdf(contract: dict[str, Any], order: dict[str, Any], customer_name: str, company: str) -> bytes:
    w = _Writer(f"销售合同 {contract['number']}")
    w.line(f"销售合同：{contract['title']}", size=16, gap=28)
    w.line(f"合同编号：{contract['number']}    订单号：{order['number']}")
    w.line(f"甲方（买方）：{customer_name}")
    w.line(f"乙方（卖方）：{company}")
    w.line(f"状态：{contract['status']}", gap=24)
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
