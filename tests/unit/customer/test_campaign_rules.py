"""Campaign rules (issue 16): the status flow, who plans campaigns, the return arithmetic,
the signed unsubscribe token, the mail pacer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.customer.domain import campaigns as rules
from services.customer.mail_worker import Pacer

SECRET = "s" * 40


@pytest.mark.parametrize("current,wanted", [("planned", "active"), ("active", "completed"),
                                            ("planned", "cancelled"), ("active", "cancelled"),
                                            ("active", "active")])
def test_the_moves_the_flow_has(current, wanted):
    assert rules.move(current, wanted) == wanted


@pytest.mark.parametrize("current,wanted", [("planned", "completed"), ("active", "planned"),
                                            ("completed", "active"), ("cancelled", "planned"),
                                            ("completed", "cancelled"), ("cancelled", "completed")])
def test_illegal_moves_are_refused(current, wanted):
    with pytest.raises(rules.IllegalMove) as exc:
        rules.move(current, wanted)
    assert (exc.value.current, exc.value.wanted) == (current, wanted)


@pytest.mark.parametrize("role,edit,read", [("manager", True, True), ("admin", True, True), ("sales", False, True),
                                            ("finance", False, False), ("warehouse", False, False)])
def test_managers_and_admins_plan_reps_read(role, edit, read):
    assert rules.may_edit(role) is edit and rules.may_read(role) is read


def test_only_a_running_campaign_mails():
    assert [s for s in rules.STATUSES if rules.may_mail(s)] == ["planned", "active"]


def test_roi_is_on_the_actual_cost_once_known_else_the_budget():
    r = rules.campaign_return(Decimal("150000.00"), Decimal("50000.00"), None)
    assert (r.cost, r.roi) == (Decimal("50000.00"), Decimal("200.00"))
    r = rules.campaign_return(Decimal("150000.00"), Decimal("50000.00"), Decimal("60000.00"))
    assert (r.cost, r.roi) == (Decimal("60000.00"), Decimal("150.00"))


def test_roi_rounds_half_up_and_goes_negative_on_a_loss():
    assert rules.campaign_return(Decimal("0"), Decimal("30000"), None).roi == Decimal("-100.00")
    assert rules.campaign_return(Decimal("10000"), Decimal("30000"), None).roi == Decimal("-66.67")
    assert rules.campaign_return(Decimal("1"), Decimal("3"), None).roi == Decimal("-66.67")


def test_no_roi_without_a_cost():
    assert rules.campaign_return(Decimal("500"), Decimal("0"), None).roi is None
    assert rules.campaign_return(Decimal("500"), Decimal("100"), Decimal("0")).roi is None


def test_dates_must_not_end_before_they_start():
    import datetime as dt
    assert rules.check_dates(dt.date(2027, 1, 2), dt.date(2027, 1, 1)) == {"ends_on": ["must not be before starts_on"]}
    assert rules.check_dates(dt.date(2027, 1, 1), dt.date(2027, 1, 1)) == {}


def test_the_unsubscribe_token_round_trips_and_lowers_the_address():
    token = rules.unsubscribe_token(SECRET, " Li.Si@Example.CN ", "cid-1")
    assert rules.read_unsubscribe_token(SECRET, token) == ("li.si@example.cn", "cid-1")
    assert all(c.isalnum() or c in "-_." for c in token)


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
    lambda t: "x" + t,  # payload changed
    lambda t: t.split(".")[0],  # no signature
    lambda t: "",
])
def test_a_tampered_token_is_refused(mangle):
    token = rules.unsubscribe_token(SECRET, "a@b.cn", "cid-1")
    with pytest.raises(rules.BadToken):
        rules.read_unsubscribe_token(SECRET, mangle(token))


def test_a_token_of_another_secret_is_refused():
    token = rules.unsubscribe_token("t" * 40, "a@b.cn", "cid-1")
    with pytest.raises(rules.BadToken):
        rules.read_unsubscribe_token(SECRET, token)


def test_the_pacer_keeps_to_the_rate():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(round(s, 6))
        now[0] += s

    pacer = Pacer(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25] and now[0] == pytest.approx(1.0)
