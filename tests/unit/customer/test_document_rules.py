"""Document rules without I/O: tags, default titles, search text, who changes the knowledge base."""

from __future__ import annotations

import pytest

from services.customer.domain.documents import (
    BadTags,
    default_title,
    may_change_knowledge_base,
    parse_tags,
    search_text,
)


def test_tags_split_trim_and_drop_duplicates():
    assert parse_tags(["方案，报价, 方案", " 技术  资料 ;PDF", "pdf、合同"]) == ["方案", "报价", "技术 资料", "PDF", "合同"]
    assert parse_tags([]) == [] and parse_tags([" , ，"]) == []


def test_tags_are_bounded():
    with pytest.raises(BadTags):
        parse_tags(["x" * 51])
    with pytest.raises(BadTags):
        parse_tags([",".join(f"t{i}" for i in range(21))])
    assert len(parse_tags([",".join(f"t{i}" for i in range(20))])) == 20


def test_default_title_and_search_text():
    assert default_title("技术方案书.pdf") == "技术方案书"
    assert default_title(".pdf") == ".pdf"
    assert search_text("方案 A", "Plan.PDF", ["报价", "VIP"]) == "方案 a plan.pdf 报价 vip"


def test_who_changes_a_knowledge_base_document():
    assert may_change_knowledge_base("sales", "u1", "u1", False)
    assert not may_change_knowledge_base("sales", "u2", "u1", False)
    assert may_change_knowledge_base("manager", "m", "u1", True)
    assert not may_change_knowledge_base("manager", "m", "u1", False)
    assert may_change_knowledge_base("admin", "a", "u1", False)
    assert not may_change_knowledge_base("finance", "f", "u1", False)
