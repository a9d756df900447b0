"""Which competitors an opportunity names and who won a lost one (issue 16)."""

from __future__ import annotations

import pytest

from services.sales.domain.opportunities import BadCompetitors, competitor_fields

A, B = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


def test_competitors_are_named_once_in_order():
    assert competitor_fields("proposal", [B, A, B], None) == ([B, A], None)


def test_the_winner_of_a_lost_one_joins_its_competitors():
    assert competitor_fields("lost", [A], B) == ([A, B], B)
    assert competitor_fields("lost", [A, B], B) == ([A, B], B)
    assert competitor_fields("lost", [], A) == ([A], A)


@pytest.mark.parametrize("stage", ["prospecting", "qualification", "proposal", "negotiation", "won"])
def test_only_a_lost_opportunity_names_who_won(stage):
    with pytest.raises(BadCompetitors) as exc:
        competitor_fields(stage, [A], A)
    assert exc.value.field == "lost_to_competitor_id"
