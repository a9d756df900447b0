"""The disclosure rule without I/O: who sees which detail of an entry."""

from __future__ import annotations

import pytest

from services.tracking.domain.disclosure import Reader, disclose

EXPENSE = {"id": "e", "submitter_id": "rep1", "amount": "350.00", "category": "差旅", "description": "机票",
           "customer_id": "c", "order_id": None, "status": "submitted", "decided_by": None}
TRIP = {"id": "t", "user_id": "rep1", "customer_id": "c", "start_at": "x", "end_at": "y",
        "destination": "上海", "purpose": "拜访"}
PRODUCT = {"id": "p", "sku": "S", "name": "泵", "list_price": "100.00", "cost_price": "60.00"}


def reader(role: str, user: str = "u", team: tuple[str, ...] = ()) -> Reader:
    return Reader(user, role, frozenset({user, *team}))


@pytest.mark.parametrize("who,full", [
    (reader("sales", "rep1"), True),                      # the submitter
    (reader("manager", "m", ("rep1",)), True),            # a manager above
    (reader("admin"), True), (reader("finance"), True),
    (reader("sales", "rep2"), False),                     # shared customer, another rep
    (reader("manager", "m2", ("rep2",)), False),          # another team's manager
    (reader("warehouse"), False),
])
def test_expense_details_only_for_who_may_see_the_claim(who, full):
    shown = disclose(who, "billing.expense.submitted", EXPENSE, "submitted expense ¥350.00 (差旅)", "提交了费用报销 ¥350.00（差旅）")
    assert shown.redacted is (not full)
    if full:
        assert shown.data == EXPENSE and "350.00" in shown.summary_en
    else:
        assert shown.data == {"id": "e", "submitter_id": "rep1", "customer_id": "c", "order_id": None,
                              "status": "submitted"}
        assert shown.summary_en == "filed an expense claim" and "350" not in (shown.summary_zh or "")


def test_trip_details_only_for_the_user_their_managers_and_admin():
    assert disclose(reader("sales", "rep1"), "customer.out_of_office.registered", TRIP, "a", "b").data == TRIP
    hidden = disclose(reader("finance"), "customer.out_of_office.registered", TRIP, "to 上海", "上海")
    assert hidden.redacted and hidden.data == {"id": "t", "user_id": "rep1", "customer_id": "c"}
    assert "上海" not in hidden.summary_en + (hidden.summary_zh or "")


@pytest.mark.parametrize("role,sees", [("admin", True), ("finance", True), ("manager", True),
                                       ("sales", False), ("warehouse", False)])
def test_cost_price_cut_for_roles_without_costs(role, sees):
    shown = disclose(reader(role), "inventory.product.updated", PRODUCT, "updated product S 泵", None)
    assert ("cost_price" in shown.data) is sees and shown.redacted is (not sees)
    assert shown.data["list_price"] == "100.00"


def test_other_entries_unchanged():
    data = {"id": "o", "gross": "1.00"}
    shown = disclose(reader("sales", "x"), "sales.order.created", data, "created", "创建")
    assert (shown.data, shown.summary_en, shown.redacted) == (data, "created", False)
    assert disclose(reader("sales"), "billing.expense.paid", ["odd"], "x", None).data == ["odd"]
