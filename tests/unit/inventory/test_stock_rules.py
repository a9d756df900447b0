"""Stock rules without I/O: levels, movements, shortages, transfers, stocktaking, warehouse choice."""

from __future__ import annotations

import pytest

from services.inventory.domain.stock import (
    Level,
    Movement,
    StockError,
    adjustment_movements,
    apply_movements,
    best_partial,
    choose_warehouse,
    crossed_below,
    lock_order,
    merge_lines,
    over_shipment,
    release_movements,
    reservation_movements,
    shipment_movements,
    shortages,
    transfer_movements,
)

W1, W2, P1, P2 = "w1", "w2", "p1", "p2"


def test_level_available_and_validity():
    assert Level(10, 3).available == 7
    assert Level(3, 3).valid and not Level(2, 3).valid and not Level(-1, 0).valid


def test_merge_lines_adds_up_same_product_in_product_order():
    assert merge_lines([{"product_id": P2, "quantity": 1}, {"product_id": P1, "quantity": 2},
                        {"product_id": P2, "quantity": 4}]) == {P1: 2, P2: 5}
    assert list(merge_lines([{"product_id": "b", "quantity": 1}, {"product_id": "a", "quantity": 1}])) == ["a", "b"]


def test_lock_order_is_sorted_and_unique():
    assert lock_order([(W2, P1), (W1, P2), (W1, P1), (W2, P1)]) == [(W1, P1), (W1, P2), (W2, P1)]


def test_reserve_ship_release_arithmetic():
    levels = {(W1, P1): Level(10, 0)}
    levels = apply_movements(levels, reservation_movements(W1, {P1: 4}))
    assert levels[(W1, P1)] == Level(10, 4)
    levels = apply_movements(levels, shipment_movements(W1, {P1: 3}))
    assert levels[(W1, P1)] == Level(7, 1)
    levels = apply_movements(levels, release_movements(W1, {P1: 1}))
    assert levels[(W1, P1)] == Level(7, 0)


def test_movements_that_break_a_rule_raise():
    with pytest.raises(StockError) as err:
        apply_movements({(W1, P1): Level(2, 1)}, reservation_movements(W1, {P1: 2}))
    assert err.value.code == "insufficient_stock" and P1 in err.value.details
    with pytest.raises(StockError):
        apply_movements({}, [Movement(W1, P1, "requisition", -1, 0)])
    with pytest.raises(ValueError):
        apply_movements({}, [Movement(W1, P1, "teleport", 1, 0)])


def test_shortages_report_requested_and_available():
    levels = {(W1, P1): Level(5, 4), (W1, P2): Level(9, 0)}
    assert shortages(levels, W1, {P1: 2, P2: 9}) == [{"product_id": P1, "requested": 2, "available": 1}]
    assert shortages(levels, W2, {P1: 1}) == [{"product_id": P1, "requested": 1, "available": 0}]


def test_over_shipment_names_lines_past_the_remaining():
    assert over_shipment({P1: 3, P2: 1}, {P1: 3}) == {P2: {"requested": 1, "remaining": 0}}
    assert over_shipment({P1: 4}, {P1: 3}) == {P1: {"requested": 4, "remaining": 3}}
    assert over_shipment({P1: 3}, {P1: 3}) == {}


def test_transfer_moves_between_warehouses():
    levels = apply_movements({(W1, P1): Level(5, 0)}, transfer_movements(W1, W2, {P1: 2}))
    assert levels == {(W1, P1): Level(3, 0), (W2, P1): Level(2, 0)}
    with pytest.raises(StockError):
        apply_movements({(W1, P1): Level(5, 4)}, transfer_movements(W1, W2, {P1: 2}))


def test_adjustment_is_counted_minus_on_hand_and_not_below_reserved():
    levels = {(W1, P1): Level(10, 2), (W1, P2): Level(3, 0)}
    movements, lines = adjustment_movements(W1, levels, {P1: 7, P2: 3})
    assert movements == [Movement(W1, P1, "adjustment", -3, 0)]
    assert [line["adjustment"] for line in lines] == [-3, 0]
    with pytest.raises(StockError) as err:
        adjustment_movements(W1, levels, {P1: 1})
    assert err.value.code == "below_reserved"


def test_crossed_below_only_on_the_way_down():
    assert crossed_below(5, 5, 4) and crossed_below(5, 9, 0)
    assert not crossed_below(5, 4, 3) and not crossed_below(5, 6, 5) and not crossed_below(0, 3, 0)


def test_choose_warehouse_needs_every_line_and_prefers_slack():
    candidates = {W1: {P1: 10}, W2: {P1: 3, P2: 3}, "w3": {P1: 9, P2: 8}}
    assert choose_warehouse(candidates, {P1: 2, P2: 2}) == ["w3", W2]
    assert choose_warehouse(candidates, {P1: 2, P2: 9}) == []
    assert best_partial(candidates, {P1: 2, P2: 9}) == "w3"
    assert best_partial({}, {P1: 1}) is None
