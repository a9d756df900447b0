"""Turning requested lines into priced lines (SQL lookups + the money rules): known,
active products from the local copy, the default unit price (last price to this
customer, else list price), tax-inclusive input, and stock warnings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.sales.domain.money import (
    MAX_AMOUNT,
    Amounts,
    exclusive_from_inclusive,
    fee_amounts,
    line_amounts,
    pct_str,
)
from services.sales.models import products, stock_levels
from services.sales.orders_store import last_prices
from shared.copies import CopyMissing
from shared.errors import ValidationFailed
from shared.events.fields import MAX_MONEY
from shared.money import fmt, to_decimal


def product_rows(conn: Connection, product_ids: list[str]) -> dict[str, Any]:
    rows = conn.execute(sa.select(products).where(products.c.id.in_(set(product_ids))))
    return {r.id: r for r in rows}


def list_prices(conn: Connection, product_ids: list[str]) -> dict[str, Any]:
    """The list price per product from the local copy (products unknown there are absent)."""
    rows = conn.execute(sa.select(products.c.id, products.c.list_price).where(products.c.id.in_(set(product_ids))))
    return {pid: price for pid, price in rows}


def price_lines(
    conn: Connection,
    customer_id: str,
    requested: list[dict[str, Any]],
    *,
    default_tax_rate: Decimal,
    price_required: bool = False,
) -> list[dict[str, Any]]:
    """Priced lines (product_id, product_name, quantity, unit_price, discount_pct,
    tax_rate, net, tax, gross); 422 naming each bad line."""
    known = product_rows(conn, [line["product_id"] for line in requested])
    absent = list(dict.fromkeys(line["product_id"] for line in requested if line["product_id"] not in known))
    unpriced = [line["product_id"] for line in requested if line.get("unit_price") is None]
    remembered = last_prices(conn, customer_id, unpriced) if unpriced and not price_required else {}
    errors: dict[str, Any] = {}
    out = []
    for i, line in enumerate(requested):
        product = known.get(line["product_id"])
        if product is None or not product.active:
            errors[str(i)] = {"product_id": ["unknown or inactive product"]}
            continue
        tax_rate = line.get("tax_rate")
        tax_rate = default_tax_rate if tax_rate is None else tax_rate
        discount = line.get("discount_pct") or Decimal(0)
        price = line.get("unit_price")
        if price is None:
            if price_required:
                errors[str(i)] = {"unit_price": ["required"]}
                continue
            price = remembered.get(product.id, product.list_price)
        elif line.get("unit_price_includes_tax"):
            price = exclusive_from_inclusive(price, tax_rate)
        if price > MAX_AMOUNT:  # a list price past what one line may carry (even at a 100% discount)
            errors[str(i)] = {"unit_price": [f"must not exceed {MAX_AMOUNT}"]}
            continue
        amounts = line_amounts(line["quantity"], price, discount, tax_rate)
        if amounts.gross > MAX_AMOUNT:
            errors[str(i)] = {"quantity": [f"the line's amount must not exceed {MAX_AMOUNT}"]}
            continue
        out.append({
            "product_id": product.id, "product_name": product.name, "quantity": line["quantity"],
            "unit_price": price, "discount_pct": discount, "tax_rate": tax_rate,
            "net": amounts.net, "tax": amounts.tax, "gross": amounts.gross,
        })
    if errors:
        invalid = ValidationFailed("some lines are invalid", details={"lines": errors})
        if absent:  # products the local copy does not have yet: wait for them (shared.copies)
            raise CopyMissing(invalid, *(("products", pid) for pid in absent))
        raise invalid
    if sum((line["gross"] for line in out), Decimal(0)) > MAX_MONEY:  # what billing's copy can hold
        raise ValidationFailed("the total is too large", details={"lines": [f"the total must not exceed {MAX_MONEY}"]})
    return out


def price_fees(requested: list[dict[str, Any]], *, default_tax_rate: Decimal) -> list[dict[str, Any]]:
    """An order's fees (issue 16) as stored and published: kind, description, amount (net),
    tax_rate (the service's default when absent), tax and gross as strings."""
    out = []
    for fee in requested:
        rate = fee.get("tax_rate")
        rate = default_tax_rate if rate is None else rate
        amounts = fee_amounts(fee["amount"], rate)
        out.append({"kind": fee["kind"], "description": (fee.get("description") or "").strip() or None,
                    "amount": fmt(amounts.net), "tax_rate": pct_str(rate), "tax": fmt(amounts.tax),
                    "gross": fmt(amounts.gross)})
    return out


def fee_totals(fees: list[dict[str, Any]]) -> list[Amounts]:
    """The stored fees as amounts for the order's totals."""
    return [Amounts(to_decimal(f["amount"]), to_decimal(f["tax"]), to_decimal(f["gross"])) for f in fees]


def check_total(gross: Decimal) -> None:
    """An order's total within what billing's copy can hold (lines and fees together)."""
    if gross > MAX_MONEY:
        raise ValidationFailed("the total is too large", details={"fees": [f"the total must not exceed {MAX_MONEY}"]})


def availability(conn: Connection, product_ids: list[str], warehouse_id: str | None = None) -> dict[str, int]:
    """Available units per product from the local copy (all warehouses, or one)."""
    query = (sa.select(stock_levels.c.product_id, sa.func.sum(stock_levels.c.available))
             .where(stock_levels.c.product_id.in_(set(product_ids)))
             .group_by(stock_levels.c.product_id))
    if warehouse_id:
        query = query.where(stock_levels.c.warehouse_id == warehouse_id)
    return {pid: int(total) for pid, total in conn.execute(query)}


def stock_warnings(conn: Connection, lines: list[dict[str, Any]], warehouse_id: str | None = None) -> list[dict]:
    """Lines whose quantity exceeds the available stock (the product's lines summed)."""
    pids = [line["product_id"] for line in lines]
    available = availability(conn, pids, warehouse_id)
    wanted: dict[str, int] = {}
    for line in lines:
        wanted[line["product_id"]] = wanted.get(line["product_id"], 0) + line["quantity"]
    out = []
    for i, line in enumerate(lines):
        have = available.get(line["product_id"], 0)
        if wanted[line["product_id"]] > have:
            out.append({"line": i, "code": "insufficient_stock", "product_id": line["product_id"],
                        "requested": line["quantity"], "available": have,
                        "message": f"第 {i + 1} 行数量 {line['quantity']} 超过可用库存 {have}"})
    return out
