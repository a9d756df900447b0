"""Which number an invoice gets (issue 16), free of I/O. Without `number` it takes the next of
the automatic sequence (FP-<year>-<6 digits>); a `number` in that form must be exactly the next
one (the older rule, money_rules.check_requested_number); any other `number` is the real 发票
number printed on the paper or electronic fapiao in hand: kept as given (spaces removed, letters
upper-cased), outside the sequence (no counter consumed), and unique in the company among every
invoice ever issued, void ones included (a voided fapiao keeps its number)."""

from __future__ import annotations

import re

from services.billing.domain.money_rules import parse_invoice_number
from shared.errors import Conflict, ValidationFailed

SEQUENCE = "sequence"
MANUAL = "manual"
MAX_LENGTH = 40
_ALLOWED = re.compile(r"^[0-9A-Z][0-9A-Z\-/]*$")


def kind_of(requested: str | None) -> str | None:
    """None: no number asked for; SEQUENCE: a number of the automatic form; MANUAL: a real one."""
    if requested is None or not requested.strip():
        return None
    return SEQUENCE if parse_invoice_number(requested.strip()) else MANUAL


def clean_manual(requested: str) -> str:
    """The real fapiao number as stored: no spaces, letters upper-cased; 422 when it holds
    anything but letters, digits, '-' and '/' (or is longer than 40)."""
    cleaned = re.sub(r"\s+", "", requested).upper()
    if not cleaned or len(cleaned) > MAX_LENGTH or not _ALLOWED.match(cleaned):
        raise ValidationFailed("invalid invoice number", details={"number": [
            "the fapiao's number: letters, digits, '-' and '/' only, at most 40"]})
    return cleaned


def number_taken(number: str, existing_id: str, existing_status: str) -> Conflict:
    """409 on reuse, saying which invoice has the number already."""
    void = " (void)" if existing_status == "void" else ""
    return Conflict(f"invoice number {number} is already used by another invoice{void}; a fapiao number is used once",
                    code="duplicate_invoice_number",
                    details={"number": [f"already used by invoice {existing_id}{void}"], "existing_id": existing_id,
                             "existing_status": existing_status})
