from datetime import date
from decimal import Decimal

from services.billing.domain.ageing import Debt, age_debts, bucket_for
from services.billing.domain.receivables import Balance

D = Decimal
AS_OF = date(2026, 11, 30)


def test_bucket_edges():
    assert [bucket_for(d) for d in (0, 30, 31, 60, 61, 90, 91, 400)] == [
        "days_0_30", "days_0_30", "days_31_60", "days_31_60", "days_61_90", "days_61_90",
        "days_over_90", "days_over_90"]


def test_payments_settle_opening_first_then_oldest_invoices():
    debts = [Debt(date(2026, 1, 1), D("100.00")),     # opening balance, 333 days old
             Debt(date(2026, 8, 1), D("200.00")),     # 121 days
             Debt(date(2026, 10, 15), D("300.00")),   # 46 days
             Debt(date(2026, 11, 20), D("400.00"))]   # 10 days
    result = age_debts(debts, D("250.00"), AS_OF)
    assert result == {"days_0_30": D("400.00"), "days_31_60": D("300.00"), "days_61_90": D("0.00"),
                      "days_over_90": D("50.00"), "total": D("750.00")}


def test_overpaid_customer_owes_nothing_and_future_dates_count_as_current():
    assert age_debts([Debt(date(2026, 1, 1), D("10.00"))], D("50.00"), AS_OF)["total"] == D("0.00")
    result = age_debts([Debt(date(2026, 12, 5), D("10.00"))], D("0"), AS_OF)
    assert result["days_0_30"] == D("10.00")


def test_receivables_arithmetic():
    b = Balance("c", opening=D("1000.00"), invoiced=D("500.00"), paid=D("700.00"),
                prepaid=D("300.00"), allocated=D("200.00"))
    view = b.as_dict()
    assert view["credit"] == "100.00"
    assert view["outstanding"] == "800.00"          # 1000 + 500 - 700
    assert view["net_outstanding"] == "700.00"      # minus the unallocated credit
    assert view["invoiced"] == "500.00" and view["paid"] == "700.00"
