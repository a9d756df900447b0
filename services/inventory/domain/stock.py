"""Stock rules with no framework imports: levels, movements, reservations, shipments,
transfers and stocktaking arithmetic."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Ledger kinds: every change to a level is one of these.
KINDS = ("receipt", "shipment", "transfer_out", "transfer_in", "adjustment", "reservation", "release",
         "loan_out", "loan_return", "requisition", "service_part")

Key = tuple[str, str]  # (warehouse_id, product_id)


class StockError(Exception):
    """A movement that would break a stock rule; details per product."""

    def __init__(self, message: str, code: str, details: dict[str, object] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}


@dataclass(frozen=True)
class Level:
    on_hand: int = 0
    reserved: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def moved(self, on_hand_delta: int, reserved_delta: int) -> Level:
        return Level(self.on_hand + on_hand_delta, self.reserved + reserved_delta)

    @property
    def valid(self) -> bool:
        return self.on_hand >= 0 and 0 <= self.reserved <= self.on_hand


@dataclass(frozen=True)
class Movement:
    warehouse_id: str
    product_id: str
    kind: str
    on_hand_delta: int = 0
    reserved_delta: int = 0

    @property
    def key(self) -> Key:
        return (self.warehouse_id, self.product_id)


def merge_lines(lines: Iterable[Mapping[str, object]], field: str = "quantity") -> dict[str, int]:
    """Quantities per product, lines of the same product added up, in product order."""
    out: dict[str, int] = {}
    for line in lines:
        pid = str(line["product_id"])
        out[pid] = out.get(pid, 0) + int(line[field])  # type: ignore[arg-type]
    return dict(sorted(out.items()))


def lock_order(keys: Iterable[Key]) -> list[Key]:
    """The one order every writer locks stock rows in, so writers never deadlock."""
    return sorted(set(keys))


def apply_movements(levels: Mapping[Key, Level], movements: Iterable[Movement]) -> dict[Key, Level]:
    """New levels after the movements; StockError when any would break a rule."""
    new = dict(levels)
    for m in movements:
        if m.kind not in KINDS:
            raise ValueError(f"unknown movement kind {m.kind}")
        new[m.key] = new.get(m.key, Level()).moved(m.on_hand_delta, m.reserved_delta)
    bad = {pid: {"warehouse_id": wid, "available": levels.get((wid, pid), Level()).available}
           for (wid, pid), level in new.items() if not level.valid}
    if bad:
        raise StockError("not enough stock", "insufficient_stock", bad)
    return new


def shortages(levels: Mapping[Key, Level], warehouse_id: str, wanted: Mapping[str, int]) -> list[dict[str, object]]:
    """Lines of `wanted` the warehouse cannot supply: product_id, requested, available."""
    out = []
    for pid, qty in sorted(wanted.items()):
        available = max(0, levels.get((warehouse_id, pid), Level()).available)
        if available < qty:
            out.append({"product_id": pid, "requested": qty, "available": available})
    return out


def reservation_movements(warehouse_id: str, wanted: Mapping[str, int]) -> list[Movement]:
    return [Movement(warehouse_id, pid, "reservation", 0, qty) for pid, qty in sorted(wanted.items())]


def release_movements(warehouse_id: str, remaining: Mapping[str, int]) -> list[Movement]:
    return [Movement(warehouse_id, pid, "release", 0, -qty) for pid, qty in sorted(remaining.items()) if qty > 0]


def shipment_movements(warehouse_id: str, quantities: Mapping[str, int]) -> list[Movement]:
    """Shipping consumes the reservation and lowers on hand."""
    return [Movement(warehouse_id, pid, "shipment", -qty, -qty) for pid, qty in sorted(quantities.items())]


def over_shipment(to_ship: Mapping[str, int], remaining: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Lines asking for more than is still to ship (reserved and not yet shipped)."""
    return {pid: {"requested": qty, "remaining": remaining.get(pid, 0)}
            for pid, qty in sorted(to_ship.items()) if qty > remaining.get(pid, 0)}


def transfer_movements(from_wh: str, to_wh: str, quantities: Mapping[str, int]) -> list[Movement]:
    out = []
    for pid, qty in sorted(quantities.items()):
        out.append(Movement(from_wh, pid, "transfer_out", -qty, 0))
        out.append(Movement(to_wh, pid, "transfer_in", qty, 0))
    return out


def adjustment_movements(warehouse_id: str, levels: Mapping[Key, Level],
                         counted: Mapping[str, int]) -> tuple[list[Movement], list[dict[str, int | str]]]:
    """Stocktaking: adjustment = counted - on_hand per product. A count below what is
    reserved for orders is refused (StockError below_reserved)."""
    movements, lines, bad = [], [], {}
    for pid, count in sorted(counted.items()):
        level = levels.get((warehouse_id, pid), Level())
        if count < level.reserved:
            bad[pid] = {"counted": count, "reserved": level.reserved}
            continue
        delta = count - level.on_hand
        lines.append({"product_id": pid, "counted": count, "on_hand_before": level.on_hand, "adjustment": delta})
        if delta:
            movements.append(Movement(warehouse_id, pid, "adjustment", delta, 0))
    if bad:
        raise StockError("counted is below the quantity reserved for orders", "below_reserved", bad)
    return movements, lines


def is_low(safety_stock: int, available: int) -> bool:
    return safety_stock > 0 and available < safety_stock


def crossed_below(safety_stock: int, before: int, after: int) -> bool:
    """True when total availability falls from at/above safety stock to below it."""
    return safety_stock > 0 and before >= safety_stock > after


def choose_warehouse(candidates: Mapping[str, Mapping[str, int]], wanted: Mapping[str, int]) -> list[str]:
    """Warehouses (by availability per product) that can supply every line, best first:
    the most slack after reserving, then by id for a stable order."""
    able = []
    for wid, available in candidates.items():
        slack = [available.get(pid, 0) - qty for pid, qty in wanted.items()]
        if all(s >= 0 for s in slack):
            able.append((min(slack) if slack else 0, wid))
    return [wid for _slack, wid in sorted(able, key=lambda t: (-t[0], t[1]))]


def best_partial(candidates: Mapping[str, Mapping[str, int]], wanted: Mapping[str, int]) -> str | None:
    """When no warehouse can supply everything: the one that comes closest (fewest short
    lines, then the most units), to report its short lines."""
    best: tuple[int, int, str] | None = None
    for wid, available in candidates.items():
        short = sum(1 for pid, qty in wanted.items() if available.get(pid, 0) < qty)
        units = sum(min(available.get(pid, 0), qty) for pid, qty in wanted.items())
        score = (short, -units, wid)
        if best is None or score < best:
            best = score
    return best[2] if best else None
