"""Which number an invoice gets (domain/invoice_numbers.py, no I/O; issue 16)."""

from __future__ import annotations

import pytest

from services.billing.domain.invoice_numbers import (
    MANUAL,
    SEQUENCE,
    clean_manual,
    kind_of,
    number_taken,
)
from shared.errors import ValidationFailed


def test_the_sequence_form_is_the_sequence_anything_else_a_real_fapiao_number():
    assert kind_of(None) is None and kind_of("") is None and kind_of("   ") is None
    assert kind_of("FP-2026-000003") == SEQUENCE
    assert kind_of(" FP-2026-000003 ") == SEQUENCE
    assert kind_of("04400231") == MANUAL
    assert kind_of("24312000000012345678") == MANUAL
    assert kind_of("FP-26-1") == MANUAL  # not the automatic form


def test_a_real_number_is_cleaned_and_checked():
    assert clean_manual(" 0440 0231 ") == "04400231"
    assert clean_manual("sh-2026/001") == "SH-2026/001"
    for bad in ("发票123", "12;drop", "-12", "1" * 41, " "):
        with pytest.raises(ValidationFailed) as exc:
            clean_manual(bad)
        assert "number" in exc.value.details


def test_reuse_says_which_invoice_has_it():
    err = number_taken("04400231", "inv-1", "void")
    assert err.code == "duplicate_invoice_number" and err.status == 409
    assert err.details["existing_id"] == "inv-1" and "void" in err.details["number"][0]
    assert "04400231" in err.message
