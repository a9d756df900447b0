"""The shared guards against hostile input (issue 11.5): request fields and their ranges,
the JSON checks every body goes through, the event contract's bounds, query-string
helpers, the timeline cursor, report periods and the quote mailer's headers."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from flask import Flask
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import DBAPIError

from services.sales.config import SalesConfig
from services.sales.mailer import build_message, header_text
from services.tracking.domain import cursor
from services.tracking.domain.periods import BadDate, parse_instant
from shared import events
from shared.errors import BadRequest, ValidationFailed
from shared.events.fields import MAX_DEAL_AMOUNT, MAX_MONEY
from shared.fields import AwareDateTime, Date, Integer, Money, Percent, SingleLine
from shared.web import (
    MAX_JSON_DEPTH,
    check_json,
    data_exception_response,
    date_arg,
    json_body,
    load,
    page_args,
)

app = Flask("guards")


class Body(Schema):
    amount = Money(required=True)
    deal = Money(maximum=MAX_DEAL_AMOUNT)
    pct = Percent()
    quantity = Integer(minimum=1, maximum=10)
    day = Date()
    at = AwareDateTime()
    subject = SingleLine(max_len=20)


def refused(field: str, **body) -> str:
    with pytest.raises(ValidationError) as exc:
        Body().load({"amount": "1.00", **body})
    return str(exc.value.messages[field])


# ---- request fields -------------------------------------------------------------------

@pytest.mark.parametrize("value", ["1e30", 1e30, "1E+400", "-1", "1000000000000.00", "999999999999.995", "NaN",
                                   "Infinity", "1e-30", "0x10", "", True, [1], {"a": 1}, "9" * 100])
def test_money_refuses_what_numeric_14_2_cannot_hold_with_the_field_named(value):
    assert refused("amount", amount=value)


def test_money_accepts_the_bound_and_exponent_notation_within_it():
    out = Body().load({"amount": str(MAX_MONEY), "deal": "1e11", "pct": "12.5"})
    assert out["amount"] == MAX_MONEY and out["deal"] == MAX_DEAL_AMOUNT and out["pct"] == Decimal("12.5000")
    assert refused("deal", deal="100000000000.01")
    assert refused("pct", pct="100.0001") and refused("pct", pct="1e3")


@pytest.mark.parametrize("value", [0, 11, 1.0, "5", 2**63, 10**400, True])
def test_integer_is_a_whole_number_within_its_range(value):
    assert refused("quantity", quantity=value)


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01", "0000-00-00", "2026-02-30",
                                   "+2026-01-01", "x" * 100, 20260101])
def test_dates_outside_the_agreed_years_are_refused(value):
    assert refused("day", day=value)


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
                                   "1899-12-31T23:00:00+00:00", "2026-13-01T00:00:00Z", "x" * 100])
def test_times_that_would_overflow_when_shifted_are_refused(value):
    assert refused("at", at=value)


def test_dates_and_times_in_range_pass_and_naive_times_are_utc():
    out = Body().load({"amount": "1", "day": "2999-12-31", "at": "2026-11-22T08:00:00"})
    assert out["day"] == dt.date(2999, 12, 31)
    assert out["at"] == dt.datetime(2026, 11, 22, 8, tzinfo=dt.UTC)


@pytest.mark.parametrize("value", ["a\r\nBcc: x@example.com", "a\nb", "a\rb", "a\u2028b", "x" * 21])
def test_single_line_refuses_line_breaks(value):
    assert refused("subject", subject=value)


# ---- every JSON body ------------------------------------------------------------------

def body_of(raw: bytes, content_type: str = "application/json"):
    with app.test_request_context("/", method="POST", data=raw, content_type=content_type):
        return json_body()


@pytest.mark.parametrize("raw", [b"[" * 2000 + b"]" * 2000, b'{"a":' * 2000 + b"1" + b"}" * 2000,
                                 b'{"a": ' + b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1) + b"}"])
def test_deep_json_is_a_400_malformed_json_not_a_recursion_error(raw):
    with pytest.raises(BadRequest) as exc:
        body_of(raw)
    assert exc.value.code == "malformed_json" and "nested deeper" in exc.value.message


def test_json_at_the_depth_limit_is_fine():
    nested: object = 1
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = [nested]
    assert body_of(json.dumps({"a": nested}).encode())["a"]


@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe{}", b'{"n": ' + b"9" * 5000 + b"}", b"null"])
def test_malformed_json_is_a_400(raw):
    with pytest.raises(BadRequest) as exc:
        body_of(raw)
    assert exc.value.code == "malformed_json"


def test_nul_anywhere_is_a_422_naming_the_field():
    with pytest.raises(ValidationFailed) as exc:
        body_of(b'{"name": "a\\u0000b", "lines": [{"note": "ok"}, {"note": "\\u0000"}], "ok": "fine"}')
    assert exc.value.details == {"name": ["must not contain NUL characters"],
                                 "lines": {"1": {"note": ["must not contain NUL characters"]}}}


def test_nul_in_a_key_lone_surrogates_and_non_finite_numbers_are_422():
    with pytest.raises(ValidationFailed) as exc:
        body_of(b'{"a\\u0000": 1, "s": "\\ud800", "n": NaN, "big": 1e400, "fine": 1e300}')
    details = exc.value.details
    assert set(details) == {"a\\0", "s", "n", "big"}, details
    assert details["s"] == ["must be valid Unicode text (no lone surrogates)"]
    assert details["n"] == details["big"] == ["must be a finite number"]


def test_load_checks_data_given_to_it_too():
    with pytest.raises(ValidationFailed) as exc:
        load(Body(), {"amount": "1", "subject": "a\x00"})
    assert exc.value.details == {"subject": ["must not contain NUL characters"]}


def test_check_json_leaves_good_data_alone():
    check_json({"name": "华东机电 😀", "n": [1, 2.5, None, True], "d": {"k": "v"}})


# ---- query strings ---------------------------------------------------------------------

@pytest.mark.parametrize("query", ["page=1e20", "page=99999999999999999999", "page=1000001", "page=0", "page=-1",
                                   "page=1.5", "per_page=201", "per_page=%00", "page=%EF%BC%91"])
def test_page_args_refuse_odd_and_huge_numbers(query):
    with app.test_request_context(f"/?{query}"), pytest.raises(ValidationFailed):
        page_args()


def test_page_args_accept_plain_numbers():
    with app.test_request_context("/?page=1000000&per_page=200"):
        assert page_args() == (1_000_000, 200)


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-02-30", "x", "1" * 50])
def test_date_arg_refuses_dates_out_of_range(value):
    with app.test_request_context("/", query_string={"as_of": value}), pytest.raises(ValidationFailed) as exc:
        date_arg("as_of")
    assert "as_of" in exc.value.details


def test_a_database_data_exception_is_a_422_and_other_errors_are_not():
    class Orig(Exception):
        def __init__(self, sqlstate):
            self.sqlstate = sqlstate

    class DataError(Exception):
        sqlstate = None

    with app.app_context():
        out = data_exception_response(DBAPIError("INSERT", {}, Orig("22003")))
        assert out.status_code == 422 and out.get_json()["error"]["details"]["sqlstate"] == "22003"
        assert data_exception_response(DBAPIError("INSERT", {}, DataError())).status_code == 422  # psycopg's NUL
        assert data_exception_response(DBAPIError("INSERT", {}, Orig("23505"))) is None
        assert data_exception_response(DBAPIError("INSERT", {}, Orig("08006"))) is None


# ---- the event contract carries the same bounds ---------------------------------------

def _lead_converted(amount: str, close: str | None = "2027-01-31") -> dict:
    sample = events.spec("customer.lead.converted").sample
    return {**sample, "opportunity": {**sample["opportunity"], "amount": amount, "expected_close_date": close}}


@pytest.mark.parametrize("amount,close", [("100000000000.01", None), ("1e30", None), ("-1.00", None),
                                          ("1000.00", "9999-12-31"), ("1000.00", "0001-01-01")])
def test_the_lead_conversion_contract_refuses_what_sales_cannot_store(amount, close):
    with pytest.raises(events.InvalidEventData):
        events.validate("customer.lead.converted", _lead_converted(amount, close))


def test_the_contract_bounds_money_and_quantities():
    events.validate("customer.lead.converted", _lead_converted(str(MAX_DEAL_AMOUNT)))
    order = events.spec("sales.order.placed").sample
    for bad in ({"gross": "1000000000000.00"}, {"lines": [{**order["lines"][0], "quantity": 2**31}]},
                {"lines": [{**order["lines"][0], "discount_pct": "101"}]}):
        with pytest.raises(events.InvalidEventData):
            events.validate("sales.order.placed", {**order, **bad})
    stock = events.spec("inventory.stock.changed").sample
    with pytest.raises(events.InvalidEventData):
        events.validate("inventory.stock.changed", {**stock, "on_hand": 2**31})


def test_every_sample_still_meets_its_contract():
    for spec in events.all_specs():
        events.validate(spec.event_type, spec.sample, spec.version)


# ---- the timeline cursor and report periods -------------------------------------------

def test_a_cursor_round_trips_and_garbage_or_over_long_ones_are_refused():
    moment = dt.datetime(2026, 11, 22, 8, tzinfo=dt.UTC)
    assert cursor.decode(cursor.encode(moment, 42)) == (moment, 42)
    import base64

    def enc(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    for bad in ["x" * 5000, cursor.encode(moment, 42) * 10, enc(f"{moment.isoformat()}|{2**63}"),
                enc(f"{moment.isoformat()}|-1"), enc("0001-01-01T00:00:00+05:00|1"), enc("9999-12-31T23:59:59+00:00|1"),
                "!!!", enc("a|b")]:
        with pytest.raises(cursor.BadCursor):
            cursor.decode(bad)


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "0001-01-01T00:00:00+05:00",
                                   "9999-12-31T23:59:59-05:00", "x" * 100])
def test_report_periods_refuse_times_that_overflow(value):
    with pytest.raises(BadDate):
        parse_instant(value, end_of_day=True)


# ---- the quote mailer --------------------------------------------------------------------

def test_the_mailer_folds_line_breaks_out_of_every_header():
    cfg = SalesConfig(smtp_host="127.0.0.1", smtp_port=1, smtp_sender="crm@example.cn")
    msg = build_message(cfg, to=["a@example.cn"], subject="报价单 Q-1 - 华东\r\nBcc: attacker@example.com",
                        body="见附件", filename="Q-1.pdf", pdf=b"%PDF-1.4")
    raw = msg.as_bytes()
    assert b"\nBcc:" not in raw and msg["Subject"] == "报价单 Q-1 - 华东 Bcc: attacker@example.com"
    assert header_text("a\u2028b\x00c\x85d") == "a b c d"
