"""Tracking's read-model projections skip only known data problems; a bug fails loudly."""

from __future__ import annotations

import uuid

import pytest

from services.tracking import projections
from shared import events
from shared.envelope import Envelope


class RecordingConn:
    def __init__(self):
        self.params: list[dict] = []

    def execute(self, _statement, params=None):
        self.params.append(params)


def order_event(**changes) -> Envelope:
    data = dict(events.spec("sales.order.placed").sample, **changes)
    return Envelope(event_type="sales.order.placed", aggregate_type="order", aggregate_id=data["id"],
                    aggregate_seq=1, data=data, producer="sales", region="cn-east")


def test_a_readable_order_is_projected():
    conn = RecordingConn()
    projections.on_order(conn, order_event(), None)
    assert len(conn.params) == 1 and conn.params[0]["n_lines"] == len(order_event().data["lines"])


@pytest.mark.parametrize("changes", [
    {"lines": None},                                   # not a list
    {"lines": ["not an object"]},                      # a line that is not an object
    {"lines": [{"product_id": str(uuid.uuid4()), "quantity": "2", "net": "1", "gross": "1"}]},  # text quantity
    {"gross": "lots"},                                 # not an amount
    {"customer_id": None},                             # a required id missing
])
def test_known_data_problems_are_skipped(changes):
    conn = RecordingConn()
    projections.on_order(conn, order_event(**changes), None)
    assert conn.params == []


def test_a_bug_in_a_row_builder_is_not_swallowed(monkeypatch):
    def broken(event, key=None):
        raise TypeError("a bug, not bad data")

    monkeypatch.setattr(projections, "_when", broken)
    with pytest.raises(TypeError):
        projections.on_order(RecordingConn(), order_event(), None)
