"""Purchase inquiries (询价单), no I/O: an inquiry asks several suppliers for the same lines;
each supplier's offer prices some or all of them; comparing the offers shows each one's total
over the lines it prices, whether it prices them all, its longest lead time, and the cheapest
complete offer. An open inquiry becomes one purchase order (from one complete offer) or is
cancelled; then it is closed for good."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

OPEN = "open"
ORDERED = "ordered"
CANCELLED = "cancelled"
STATUSES = (OPEN, ORDERED, CANCELLED)


class InquiryClosed(Exception):
    def __init__(self, status: str):
        super().__init__(f"an inquiry that is {status} cannot change")
        self.status = status


def check_open(status: str) -> None:
    if status != OPEN:
        raise InquiryClosed(status)


@dataclass(frozen=True)
class Offer:
    supplier_id: str
    total: Decimal          # over the lines it prices
    priced: int             # how many of the inquiry's lines it prices
    complete: bool          # it prices every line
    lead_days: int | None   # the longest lead time it gave (None: none given)


def compare(quantities: Mapping[str, int], offers: Mapping[str, Mapping[str, tuple[Decimal, int | None]]]
            ) -> tuple[list[Offer], str | None]:
    """quantities: product -> quantity asked; offers: supplier -> product -> (unit price, lead
    days). The offers cheapest first (complete ones before partial ones) and the supplier of
    the cheapest complete offer (None when no offer is complete)."""
    out = []
    for supplier_id, prices in offers.items():
        asked = {p: v for p, v in prices.items() if p in quantities}
        total = sum((price * quantities[p] for p, (price, _lead) in asked.items()), Decimal("0"))
        leads = [lead for _price, lead in asked.values() if lead is not None]
        out.append(Offer(supplier_id, total.quantize(Decimal("0.01")), len(asked), len(asked) == len(quantities),
                         max(leads) if leads else None))
    out.sort(key=lambda o: (not o.complete, o.total, o.lead_days if o.lead_days is not None else 10**6, o.supplier_id))
    best = next((o.supplier_id for o in out if o.complete and o.priced), None)
    return out, best
