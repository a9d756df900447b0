"""The fault suite's representative case in `make test` (the others: `make faults`,
tests/faults): kill -9 of the sales consumer at a random moment under a steady mixed load
through the gateway; its supervisor restarts it; nothing acknowledged is lost or doubled,
every order settles, every copy equals its source."""

from __future__ import annotations

import pytest

from tests.faults import cases

pytestmark = pytest.mark.e2e


def test_consumer_killed_mid_load_loses_and_doubles_nothing(suite, admin):
    faulty = cases.Faulty(suite, suite.amqp_url)
    figures = cases.run_case(faulty, admin, "kill -9 sales consumer", cases.kill("sales_consumer"),
                             duration=15.0, threads=6, record=False)
    assert not figures.problems, "\n".join(figures.problems)
    assert figures.writes > 50 and figures.lost == 0 and figures.doubled == 0
    assert figures.drain_s <= 30
