from datetime import date
from decimal import Decimal as D

import pytest

from services.sales.domain import contracts, opportunities, orders, quotes


@pytest.mark.parametrize("status", orders.STATUSES)
@pytest.mark.parametrize("action", ["approve", "cancel", "close"])
def test_every_order_action_in_every_status(status, action):
    legal = {("approve", "pending_approval"): "pending", ("cancel", "pending_approval"): "cancelled",
             ("cancel", "pending"): "cancelled", ("cancel", "confirmed"): "cancelled", ("close", "shipped"): "closed"}
    if (action, status) in legal:
        assert orders.next_status(status, action) == legal[(action, status)]
    else:
        with pytest.raises(orders.IllegalTransition):
            orders.next_status(status, action)


@pytest.mark.parametrize("status,reserved,failed", [
    ("pending_approval", "ignore", "ignore"), ("pending", "confirm", "reject"), ("confirmed", "ignore", "ignore"),
    ("rejected", "release", "ignore"), ("partially_shipped", "ignore", "ignore"), ("shipped", "ignore", "ignore"),
    ("cancelled", "release", "ignore"), ("closed", "ignore", "ignore"),
])
def test_saga_events_never_move_an_order_backwards(status, reserved, failed):
    assert orders.on_reserved(status) == reserved
    assert orders.on_reservation_failed(status) == failed


def _line(list_price, unit_price, discount="0"):
    return orders.PricedLine(None if list_price is None else D(list_price), D(unit_price), D(discount))


def test_approval_threshold_is_strictly_above():
    at_list = "100.00"
    assert not orders.needs_approval([_line(at_list, at_list, "30"), _line(at_list, at_list)], D("30"))
    assert orders.needs_approval([_line(at_list, at_list), _line(at_list, at_list, "30.01")], D("30"))
    assert not orders.needs_approval([], D("30"))


@pytest.mark.parametrize("list_price,unit_price,discount,effective", [
    ("100.00", "100.00", "0", "0"),
    ("100.00", "0.01", "0", "99.99"),        # the bypass: a low unit price, no discount_pct
    ("100.00", "70.00", "0", "30"),
    ("100.00", "80.00", "20", "36"),          # both fields: 80 x 0.8 = 64 against 100
    ("100.00", "200.00", "50", "0"),          # above list, then discounted back to it
    ("100.00", "120.00", "0", "-20"),         # a mark-up is no discount
    ("0.00", "0.00", "0", "0"),               # a free product has nothing to discount
])
def test_effective_discount_against_the_list_price(list_price, unit_price, discount, effective):
    assert orders.effective_discount_pct(_line(list_price, unit_price, discount)) == D(effective)


def test_a_low_unit_price_is_held_like_a_discount():
    assert orders.needs_approval([_line("100.00", "0.01")], D("30"))
    assert orders.needs_approval([_line("100.00", "69.99")], D("30"))
    assert not orders.needs_approval([_line("100.00", "70.00")], D("30"))
    assert orders.needs_approval([_line("100.00", "80.00", "20")], D("30"))
    assert orders.needs_approval([_line(None, "100.00")], D("30"))  # list price unknown: fail closed


def test_four_eyes_and_who_may_approve():
    refuse = orders.approval_refusal
    assert refuse("manager", "m", ["m"], True)               # the manager's own order
    assert refuse("admin", "a", ["a"], False)                # the admin's own order
    assert refuse("admin", "a", ["r", "a"], False)           # the admin wrote the quote
    assert refuse("admin", "a2", ["a", None], False) is None  # another admin
    assert refuse("manager", "m", ["a"], True) is None        # a manager above the owner
    assert refuse("manager", "m", ["r"], False)              # a manager elsewhere
    assert refuse("sales", "r", ["x"], True)                 # a rep never approves
    assert refuse("finance", "f", [None], False)


def test_shipments_fill_lines_and_never_overship():
    lines = [orders.ShippedLine("a", 3, 0), orders.ShippedLine("b", 2, 0), orders.ShippedLine("a", 1, 0)]
    assert orders.apply_shipment(lines, {"a": 2}) == [2, 0, 0]
    assert orders.apply_shipment(lines, {"a": 4, "b": 5}) == [3, 2, 1]
    done = [orders.ShippedLine("a", 3, 3)]
    assert orders.apply_shipment(done, {"a": 1}) == [3]
    assert orders.shipping_status("confirmed", [3, 2], [0, 0]) == "confirmed"
    assert orders.shipping_status("confirmed", [3, 2], [3, 0]) == "partially_shipped"
    assert orders.shipping_status("partially_shipped", [3, 2], [3, 2]) == "shipped"
    assert orders.shipping_status("pending", [3], [3]) == "pending"
    assert orders.shipping_status("cancelled", [3], [1]) == "cancelled"


TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("status", ["draft", "sent", "accepted", "rejected"])
@pytest.mark.parametrize("target", ["sent", "accepted", "rejected"])
@pytest.mark.parametrize("valid_until", [date(2026, 11, 22), date(2026, 11, 21)])
def test_every_quote_transition(status, target, valid_until):
    expired = valid_until < TODAY and status in ("draft", "sent")
    legal = not expired and (status, target) in {("draft", "sent"), ("sent", "accepted"), ("sent", "rejected")}
    if legal:
        assert quotes.transition(status, valid_until, TODAY, target) == target
    else:
        with pytest.raises(quotes.IllegalQuoteTransition):
            quotes.transition(status, valid_until, TODAY, target)


def test_quote_expiry_and_conversion():
    past, future = date(2026, 1, 1), date(2027, 1, 1)
    assert quotes.effective_status("sent", past, TODAY) == "expired"
    assert quotes.effective_status("accepted", past, TODAY) == "accepted"
    assert quotes.can_convert("sent", future, TODAY, False)
    assert quotes.can_convert("accepted", past, TODAY, False)
    assert not quotes.can_convert("accepted", future, TODAY, True)
    assert not quotes.can_convert("draft", future, TODAY, False)
    assert not quotes.can_convert("sent", past, TODAY, False)


@pytest.mark.parametrize("status", contracts.STATUSES)
@pytest.mark.parametrize("target", contracts.STATUSES)
def test_every_contract_transition(status, target):
    if (status, target) in {("review", "signed"), ("signed", "fulfilled")}:
        assert contracts.transition(status, target) == target
    else:
        with pytest.raises(contracts.IllegalContractTransition):
            contracts.transition(status, target)


def test_stage_probabilities_config():
    probs = opportunities.parse_probabilities("proposal=40, negotiation=70")
    assert probs["proposal"] == 40 and probs["negotiation"] == 70 and probs["won"] == 100
    assert opportunities.parse_probabilities(None) == opportunities.DEFAULT_PROBABILITIES
    for bad in ("dreaming=5", "proposal=101", "proposal", "proposal=x"):
        with pytest.raises(opportunities.BadProbabilities):
            opportunities.parse_probabilities(bad)


def test_closed_stages_are_final():
    opportunities.check_stage_change("proposal", "won")
    opportunities.check_stage_change("won", "won")
    for old, new in (("won", "proposal"), ("lost", "won")):
        with pytest.raises(opportunities.IllegalStageChange):
            opportunities.check_stage_change(old, new)


def test_months_and_forecast_fill():
    assert opportunities.months_between(date(2026, 11, 5), date(2027, 2, 1)) == ["2026-11", "2026-12", "2027-01",
                                                                                "2027-02"]
    assert opportunities.add_months(date(2026, 11, 30), 3) == date(2027, 2, 1)
    rows = opportunities.forecast([("2026-12", 2, D("3.00"), D("1.50"))], ["2026-11", "2026-12"])
    assert [(r.month, r.count, r.amount) for r in rows] == [("2026-11", 0, D("0.00")), ("2026-12", 2, D("3.00"))]


def test_pipeline_lists_every_stage_in_order():
    out = opportunities.pipeline([("won", 1, D("5.00"), D("5.00"))], opportunities.DEFAULT_PROBABILITIES)
    assert [s["stage"] for s in out] == list(opportunities.STAGES)
    assert out[4]["count"] == 1 and out[0]["count"] == 0

