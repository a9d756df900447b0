"""Property: for EVERY route of EVERY service app, hostile bodies and query strings
(NUL, huge and tiny numbers, exponent notation, deep nesting, wrong types, out-of-range
dates, CR/LF, very long strings, unicode), sent as an admin and as a sales rep, never get
a 5xx, and every 4xx carries the contract's JSON error body.

A few examples per route here (FUZZ_EXAMPLES, default 3: part of `make test`); `make
fuzz` runs many more."""

from __future__ import annotations

import pytest

from tests.integration.fuzz.hostile import EXAMPLES, fuzz_route, routes

pytestmark = pytest.mark.integration

SERVICES = ["customer", "sales", "inventory", "billing", "tracking"]


@pytest.mark.parametrize("fuzz_world", SERVICES, indirect=True)
def test_every_route_answers_hostile_input_without_a_5xx(fuzz_world):
    found = routes(fuzz_world.app)
    assert len(found) > 10, [r.rule for r in found]
    failures = []
    for route in found:
        try:
            fuzz_route(route, fuzz_world.pool, fuzz_world.send, ["admin", "rep"], EXAMPLES)
        except AssertionError as exc:  # go on: report every route that failed at once
            failures.append(f"{route.method} {route.rule}: {str(exc).splitlines()[0][:700]}")
    assert not failures, "\n".join(failures)
