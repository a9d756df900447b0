"""Opportunity rules (no I/O): stages, the probability of each stage (configurable by
SALES_STAGE_PROBABILITIES="prospecting=10,qualification=20,..."), which stage changes
are allowed, and the monthly forecast."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.money import ZERO

STAGES = ("prospecting", "qualification", "proposal", "negotiation", "won", "lost")
CLOSED = ("won", "lost")
DEFAULT_PROBABILITIES = {"prospecting": 10, "qualification": 20, "proposal": 50, "negotiation": 80,
                         "won": 100, "lost": 0}


class BadProbabilities(ValueError):
    pass


class IllegalStageChange(Exception):
    def __init__(self, old: str, new: str):
        super().__init__(f"the opportunity is {old}; it cannot move to {new}")
        self.old = old
        self.new = new


def parse_probabilities(raw: str | None) -> dict[str, int]:
    """'proposal=40,negotiation=70' over the defaults; each value 0..100."""
    out = dict(DEFAULT_PROBABILITIES)
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        stage, sep, value = part.partition("=")
        stage = stage.strip()
        if not sep or stage not in STAGES:
            raise BadProbabilities(f"unknown stage in {part!r}")
        try:
            pct = int(value)
        except ValueError:
            raise BadProbabilities(f"probability of {stage} must be a whole number") from None
        if not 0 <= pct <= 100:
            raise BadProbabilities(f"probability of {stage} must be 0..100")
        out[stage] = pct
    return out


def check_stage_change(old: str, new: str) -> None:
    """won and lost are final."""
    if old != new and old in CLOSED:
        raise IllegalStageChange(old, new)


@dataclass(frozen=True)
class ForecastRow:
    month: str
    count: int
    amount: Decimal
    weighted_amount: Decimal


def add_months(d: date, n: int) -> date:
    """The first day of the month n months after d's month."""
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def months_between(start: date, end: date) -> list[str]:
    """'YYYY-MM' for every month from start's to end's, inclusive."""
    out = []
    d = start.replace(day=1)
    while d <= end:
        out.append(f"{d.year:04d}-{d.month:02d}")
        d = add_months(d, 1)
    return out


def forecast(rows: Iterable[tuple[str, int, Decimal, Decimal]], months: list[str]) -> list[ForecastRow]:
    """Every month of the range in order, with count, amount and weighted amount of the
    opportunities expected to close in it (rows: month, count, amount, weighted, summed
    in the database; months without any are zeros)."""
    by_month = {m: (int(c), a, w) for m, c, a, w in rows}
    return [ForecastRow(m, *by_month.get(m, (0, ZERO, ZERO))) for m in months]


def pipeline(rows: Iterable[tuple[str, int, Decimal, Decimal]], probabilities: Mapping[str, int]) -> list[dict]:
    """Every stage in order with count, amount and weighted amount (rows: stage, count,
    amount, weighted amount as summed in the database)."""
    by_stage = {stage: (count, amount, w) for stage, count, amount, w in rows}
    out = []
    for stage in STAGES:
        count, amount, w = by_stage.get(stage, (0, ZERO, ZERO))
        out.append({"stage": stage, "probability": probabilities[stage], "count": int(count),
                    "amount": amount, "weighted_amount": w})
    return out


class BadCompetitors(ValueError):
    """The competitor fields do not fit the opportunity (field -> message)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def competitor_fields(stage: str, competitor_ids: list[str], lost_to: str | None) -> tuple[list[str], str | None]:
    """The competitors an opportunity names (each once, in the given order) and the one it
    was lost to: only a lost opportunity names who won it, and that one is among its
    competitors (added when missing)."""
    ids = list(dict.fromkeys(competitor_ids))
    if lost_to is None:
        return ids, None
    if stage != "lost":
        raise BadCompetitors("lost_to_competitor_id", "only a lost opportunity names the competitor that won")
    if lost_to not in ids:
        ids.append(lost_to)
    return ids, lost_to
