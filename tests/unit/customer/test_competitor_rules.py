"""Competitor rules (issue 16): who records competitors, one key per company, the kinds."""

from __future__ import annotations

import pytest

from services.customer.domain.competitors import (
    CUSTOMER_KINDS,
    DEFAULT_KIND,
    competitor_key,
    may_edit_competitors,
)


@pytest.mark.parametrize("role,allowed", [("sales", True), ("manager", True), ("admin", True),
                                          ("finance", False), ("warehouse", False)])
def test_only_sales_managers_and_admins_record_competitors(role, allowed):
    assert may_edit_competitors(role) is allowed


def test_two_spellings_of_one_company_are_one_competitor():
    assert competitor_key("苏州恒力机电有限公司") == competitor_key(" 苏州恒力机电 ")
    assert competitor_key("ＡＣＭＥ Co., Ltd.") == competitor_key("acme")
    assert competitor_key("恒力") != competitor_key("精工")


def test_a_name_that_is_only_a_suffix_still_has_a_key():
    assert competitor_key("有限公司")


def test_kinds_are_the_seeds_and_customer_is_the_default():
    assert CUSTOMER_KINDS == ("customer", "agent", "partner", "supplier", "competitor")
    assert DEFAULT_KIND == "customer"
