"""shared.copies without I/O: the view wrapper's decisions (wait, run again, give up) and
how a CopyMissing renders where nothing waits."""

from __future__ import annotations

import pytest

from shared import copies
from shared.copies import CopyMissing, waits_for_copies
from shared.errors import NotFound, ValidationFailed
from shared.web import create_service_app


class FakeCopies:
    """await_copy(engine, table, key, timeout, listen_url) answering from a set of rows that 'arrive'."""

    def __init__(self, arriving: set[tuple[str, str]]):
        self.arriving = arriving
        self.waits: list[tuple[str, str, float]] = []

    def __call__(self, _engine, table: str, key: str, timeout: float, _listen_url: str | None = None) -> bool:
        self.waits.append((table, key, timeout))
        return (table, key) in self.arriving


@pytest.fixture
def fake(monkeypatch):
    def install(arriving: set[tuple[str, str]]) -> FakeCopies:
        f = FakeCopies(arriving)
        monkeypatch.setattr(copies, "await_copy", f)
        return f

    return install


def unknown() -> ValidationFailed:
    return ValidationFailed("unknown customer", details={"customer_id": ["no such customer"]})


def test_the_view_runs_again_once_the_copy_is_there(fake):
    f = fake({("acl_customers", "c1")})
    present: set[str] = set()
    calls = []

    def view():
        calls.append(1)
        if "c1" not in present:
            present.add("c1")  # the copy has arrived by the time the view runs again
            raise CopyMissing(unknown(), ("acl_customers", "c1"))
        return "created"

    assert waits_for_copies(view, lambda: None)() == "created"
    assert len(calls) == 2 and [w[:2] for w in f.waits] == [("acl_customers", "c1")]


def test_several_missing_rows_share_one_bound(fake, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "2")
    f = fake({("products", "p1"), ("products", "p2")})
    state = {"n": 0}

    def view():
        state["n"] += 1
        if state["n"] == 1:
            raise CopyMissing(unknown(), ("products", "p1"), ("products", "p2"))
        return "ok"

    assert waits_for_copies(view, lambda: None)() == "ok"
    assert [w[:2] for w in f.waits] == [("products", "p1"), ("products", "p2")]
    assert all(0 < w[2] <= 2 for w in f.waits)
    assert f.waits[1][2] <= f.waits[0][2]  # the second wait gets what is left of the bound


def test_a_copy_that_never_comes_answers_the_carried_error(fake):
    fake(set())
    error = unknown()

    def view():
        raise CopyMissing(error, ("acl_customers", "nope"))

    with pytest.raises(ValidationFailed) as caught:
        waits_for_copies(view, lambda: None)()
    assert caught.value is error


def test_a_row_found_but_still_refused_does_not_loop(fake):
    f = fake({("acl_users", "u1")})
    calls = []

    def view():
        calls.append(1)
        raise CopyMissing(unknown(), ("acl_users", "u1"))  # a check that misreports

    with pytest.raises(ValidationFailed):
        waits_for_copies(view, lambda: None)()
    assert len(calls) == 2 and len(f.waits) == 1


def test_waiting_off_answers_at_once(fake, monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "0")
    f = fake({("acl_customers", "c1")})

    def view():
        raise CopyMissing(NotFound("customer not found"), ("acl_customers", "c1"))

    with pytest.raises(NotFound):
        waits_for_copies(view, lambda: None)()
    assert f.waits == []


def test_outside_a_waiting_view_it_renders_as_the_error_it_carries():
    """A CopyMissing that reaches shared.web's error handler answers like the plain error."""
    from flask import Blueprint

    bp = Blueprint("t", __name__)

    @bp.get("/x")
    def x():
        raise CopyMissing(NotFound("customer not found"), ("acl_customers", "c"))

    app = create_service_app("t", internal_secret="s" * 40, blueprints=[bp])
    app.before_request_funcs.clear()  # no identity needed for this check
    r = app.test_client().get("/x")
    assert r.status_code == 404
    assert r.get_json() == {"error": {"code": "not_found", "message": "customer not found", "details": {}}}


def test_bad_settings_fall_back_to_the_default(monkeypatch):
    monkeypatch.setenv("CRM_COPY_WAIT_S", "soon")
    assert copies.copy_wait_s() == copies.DEFAULT_WAIT_S
    monkeypatch.setenv("CRM_COPY_WAIT_S", "-1")
    assert copies.copy_wait_s() == 0.0
