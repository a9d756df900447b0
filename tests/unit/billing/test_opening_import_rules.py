"""The rows of an opening-balance import: header recognition, amounts, dates, matching customers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.billing.domain.opening_import import (
    CustomerIndex,
    OpeningRow,
    RowError,
    check_row,
    normalise_name,
    parse_amount,
    parse_day,
)
from shared.import_mapping import MappingProblem, check_mapping, detect, open_file


def test_chinese_and_english_headers_are_recognised():
    assert detect(["客户名称", "期初余额", "截止日期", "备注"], "opening-balances") == {
        "客户名称": "customer_name", "期初余额": "amount", "截止日期": "as_of", "备注": "note"}
    assert detect(["Account Name", "Opening Balance", "As of", "Notes", "Phone"], "opening-balances") == {
        "Account Name": "customer_name", "Opening Balance": "amount", "As of": "as_of", "Notes": "note", "Phone": None}
    assert detect(["单位名称", "欠款", "日期"], "opening-balances") == {
        "单位名称": "customer_name", "欠款": "amount", "日期": "as_of"}
    assert detect(["Customer", "Balance"], "opening-balances")["Balance"] == "amount"


def test_the_callers_mapping_is_checked():
    assert check_mapping({"A": "customer_name", "B": "amount", "C": None}, ["A", "B", "C"], "opening-balances") == {
        "A": "customer_name", "B": "amount", "C": None}
    with pytest.raises(MappingProblem) as problem:
        check_mapping({"A": "phone"}, ["A"], "opening-balances")
    assert "A" in problem.value.details


def test_a_file_without_an_amount_column_is_refused():
    from shared.tabular import TableError
    with pytest.raises(TableError):
        open_file("客户名称,备注\n甲,x\n".encode(), "a.csv", kind="opening-balances",
                  required=("customer_name", "amount"))


@pytest.mark.parametrize("text, expected", [("1200", "1200.00"), ("1,234.50", "1234.50"), ("¥ 88.8", "88.80"),
                                            ("３００", "300.00"), ("5元", "5.00")])
def test_amounts(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "0", "-5", "1.234", "abc", "1e400"])
def test_bad_amounts(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize("text, expected", [("2026-01-01", date(2026, 1, 1)), ("2026/3/5", date(2026, 3, 5)),
                                            ("2026.12.31", date(2026, 12, 31)), ("2026年1月2日", date(2026, 1, 2)),
                                            ("2026-01-01 00:00", date(2026, 1, 1)), ("", None)])
def test_days(text, expected):
    assert parse_day(text) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "soon", "01/02/2026", "1066-01-01"])
def test_bad_days(text):
    with pytest.raises(ValueError):
        parse_day(text)


def test_check_row_names_the_field_at_fault():
    assert check_row({"customer_name": " 甲 ", "amount": "10", "as_of": "", "note": ""}) == OpeningRow(
        "甲", Decimal("10.00"), None, None)
    assert check_row({"customer_name": "", "amount": "10"}) == RowError("the customer's name is missing",
                                                                       "customer_name", "missing_customer")
    assert check_row({"customer_name": "甲", "amount": "-1"}).field == "amount"
    assert check_row({"customer_name": "甲", "amount": "1", "as_of": "x"}).field == "as_of"
    assert check_row({"customer_name": "甲", "amount": "1", "note": "x" * 2001}).field == "note"


def test_names_match_normalised():
    assert normalise_name("ＡＢＣ 科技（上海）有限公司") == normalise_name("abc科技(上海)有限公司")


def test_customer_index_unknown_ambiguous_taken_and_repeated():
    index = CustomerIndex([("c1", "甲公司"), ("c2", "乙公司"), ("c3", "乙 公司"), ("c4", "丙公司"), ("c5", None)],
                          with_balance=["c4"])
    assert index.claim("甲公司", 2) == "c1"
    repeated = index.claim(" 甲公司", 3)
    assert isinstance(repeated, RowError) and "row 2" in repeated.message
    ambiguous = index.claim("乙公司", 4)
    assert isinstance(ambiguous, RowError) and ambiguous.message.startswith("2 customers")
    assert "no customer" in index.claim("丁公司", 5).message
    assert "already" in index.claim("丙公司", 6).message
    assert RowError("x", "amount").as_dict(7) == {"row": 7, "message": "x", "field": "amount"}
    assert index.claim("丁公司", 8).as_dict(8) == {"row": 8, "message": "no customer is named 丁公司",
                                                 "field": "customer_name", "code": "unknown_customer",
                                                 "name": "丁公司"}
