"""What a customer's receivables row means.

- invoiced: the sum of the customer's non-void invoices (CNY);
- paid: money applied to the customer's orders (payments with an order_id, in CNY, plus
  prepayment allocations);
- credit: prepayments received (payments without an order) not yet allocated to orders;
- outstanding = opening balance + invoiced - paid (negative when the customer paid ahead
  of invoicing);
- net_outstanding = outstanding - credit (what is owed once the credit is allocated).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shared.money import fmt


@dataclass(frozen=True)
class Balance:
    customer_id: str
    opening: Decimal
    invoiced: Decimal
    paid: Decimal
    prepaid: Decimal
    allocated: Decimal

    @property
    def credit(self) -> Decimal:
        return self.prepaid - self.allocated

    @property
    def outstanding(self) -> Decimal:
        return self.opening + self.invoiced - self.paid

    def as_dict(self) -> dict[str, str]:
        return {
            "customer_id": self.customer_id,
            "opening_balance": fmt(self.opening),
            "invoiced": fmt(self.invoiced),
            "paid": fmt(self.paid),
            "credit": fmt(self.credit),
            "outstanding": fmt(self.outstanding),
            "net_outstanding": fmt(self.outstanding - self.credit),
        }
