"""Marshmallow fields and input schemas of billing's API."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from functools import partial
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from shared.fields import AwareDateTime, Date, Money, UuidStr
from shared.money import CENT

PAYMENT_METHODS = ("bank_transfer", "cash", "cheque", "alipay", "wechat_pay", "card",
                   "bank_acceptance_bill", "other")


# The shared money field (shared.fields.Money: more decimal places than allowed is a 422),
# positive by default in billing; rates take minimum and places of their own.
Amount = partial(Money, minimum=CENT)


def when(**kw: Any) -> fields.AwareDateTime:
    return AwareDateTime(default_timezone=UTC, **kw)


def text(max_len: int, **kw: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_len), **kw)


class InvoiceIn(Schema):
    order_id = UuidStr(required=True)
    amount = Amount(required=True)
    # the next FP-<year>-<6 digits> (must be the next), or the real fapiao number (unique; issue 16)
    number = text(60, load_default=None, allow_none=True)
    issued_at = when(load_default=None, allow_none=True)


class VoidIn(Schema):
    reason = text(500, required=True)


class PaymentIn(Schema):
    customer_id = UuidStr(required=True)
    order_id = UuidStr(load_default=None, allow_none=True)
    amount = Amount(required=True)
    currency = fields.String(load_default="CNY", validate=validate.Regexp(r"^[A-Za-z]{3}$", error="a 3-letter ISO code"))
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    account = text(200, load_default=None, allow_none=True)
    received_at = when(load_default=None, allow_none=True)
    note = text(2000, load_default=None, allow_none=True)

    @post_load
    def _upper(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["currency"] = data["currency"].upper()
        return data


class RateIn(Schema):
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{3}$", error="a 3-letter ISO code"))
    rate_to_cny = Amount(required=True, minimum=Decimal("0.000001"), places=6)
    date = Date(required=True)

    @post_load
    def _upper(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["currency"] = data["currency"].upper()
        if data["currency"] == "CNY":
            raise ValidationError({"currency": ["CNY is the base currency (rate 1)"]})
        return data


class ConvertQuery(Schema):
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{3}$", error="a 3-letter ISO code"))
    amount = Amount(required=True)
    date = Date(load_default=None, allow_none=True)

    @post_load
    def _upper(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "currency": data["currency"].upper()}


class AllocateIn(Schema):
    customer_id = UuidStr(required=True)
    order_id = UuidStr(required=True)
    amount = Amount(required=True)


class OpeningBalanceIn(Schema):
    customer_id = UuidStr(required=True)
    amount = Amount(required=True, minimum=Decimal("0.00"))
    as_of = Date(load_default=None, allow_none=True)
    note = text(2000, load_default=None, allow_none=True)


class ExpenseIn(Schema):
    amount = Amount(required=True)
    category = text(50, required=True)
    description = text(2000, required=True)
    customer_id = UuidStr(load_default=None, allow_none=True)
    order_id = UuidStr(load_default=None, allow_none=True)
    project_id = UuidStr(load_default=None, allow_none=True)  # an approved customer project
    # the day the expense was incurred (default: today); checked against the validity period
    incurred_on = Date(load_default=None, allow_none=True)


class DecisionIn(Schema):
    reason = text(500, load_default=None, allow_none=True)
