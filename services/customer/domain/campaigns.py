"""Marketing campaigns (美萍 营销活动; issue 16): the kinds, who plans them, the moves of
their status, the return on a campaign, and the signed unsubscribe token a mailing puts
in each message. No framework here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

KINDS = ("exhibition", "launch", "promotion", "clearance", "email")
STATUSES = ("planned", "active", "completed", "cancelled")
MEMBER_TYPES = ("customer", "lead", "contact")

# planned -> active -> completed; planned or active -> cancelled; the last two are final
MOVES: dict[str, tuple[str, ...]] = {
    "planned": ("active", "cancelled"),
    "active": ("completed", "cancelled"),
    "completed": (),
    "cancelled": (),
}

# sales managers and admins plan and run campaigns; everyone in sales reads them
EDITORS = ("manager", "admin")
READERS = ("sales", "manager", "admin")


class IllegalMove(ValueError):
    def __init__(self, current: str, wanted: str):
        super().__init__(f"a {current} campaign cannot become {wanted}")
        self.current = current
        self.wanted = wanted


def may_edit(role: str) -> bool:
    return role in EDITORS


def may_read(role: str) -> bool:
    return role in READERS


def move(current: str, wanted: str) -> str:
    """The new status; IllegalMove for a move the flow does not have (the same status is no move)."""
    if wanted == current:
        return current
    if wanted not in MOVES.get(current, ()):
        raise IllegalMove(current, wanted)
    return wanted


def may_mail(status: str) -> bool:
    """A mailing goes out for a planned or active campaign, not a finished one."""
    return status in ("planned", "active")


def check_dates(starts_on: object, ends_on: object) -> dict[str, list[str]]:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:  # type: ignore[operator]
        return {"ends_on": ["must not be before starts_on"]}
    return {}


_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Return:
    won_amount: Decimal
    cost: Decimal
    roi: Decimal | None  # percent; None when nothing was spent (no base to divide by)


def campaign_return(won_amount: Decimal, budget: Decimal, actual_cost: Decimal | None) -> Return:
    """ROI in percent: (won - cost) / cost * 100, cost being the actual cost once known,
    else the budget. Two places, half up."""
    cost = actual_cost if actual_cost is not None else budget
    if cost <= 0:
        return Return(won_amount, cost, None)
    roi = ((won_amount - cost) / cost * 100).quantize(_CENT, rounding=ROUND_HALF_UP)
    return Return(won_amount, cost, roi)


# ---- the unsubscribe token ----------------------------------------------------------------

def email_key(address: str) -> str:
    return address.strip().lower()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"crm-campaign-unsubscribe-v1", hashlib.sha256).digest()


def unsubscribe_token(secret: str, address: str, campaign_id: str) -> str:
    """`<payload>.<signature>`, URL-safe: the address (lowered) and the campaign it came from."""
    payload = _b64(json.dumps({"e": email_key(address), "c": campaign_id}, separators=(",", ":")).encode())
    sig = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{sig}"


class BadToken(ValueError):
    pass


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, str]:
    """(address, campaign id) of a token this secret signed; BadToken otherwise."""
    payload, _, sig = token.partition(".")
    if not payload or not sig:
        raise BadToken("malformed token")
    expected = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, sig):
        raise BadToken("bad signature")
    try:
        data = json.loads(_unb64(payload))
        return str(data["e"]), str(data["c"])
    except (ValueError, KeyError, TypeError):
        raise BadToken("malformed token") from None
