"""The name normaliser and phone keys."""

from __future__ import annotations

import pytest

from services.customer.domain.normalize import (
    name_key,
    phone_key,
    phone_query,
    search_fragment,
    search_text,
)


@pytest.mark.parametrize("a,b", [
    ("上海华东机电设备有限公司", "上海华东机电设备有限责任公司"),
    ("上海华东机电设备有限公司", "上海华东机电设备股份有限公司"),
    ("上海华东机电设备有限公司", " 上海 华东 机电设备 有限公司 "),
    ("上海华东机电设备有限公司", "上海华东机电设备（集团）有限公司"),
    ("上海华东机电设备有限公司", "上海华东机电设备集团"),
    ("上海华东机电设备有限公司", "上海华东机电设备公司"),
    ("阿里巴巴集团控股有限公司", "阿里巴巴"),
    ("ACME Trading Co., Ltd.", "acme trading"),
    ("ＡＣＭＥ　Ｔｒａｄｉｎｇ　Ｃｏ．，Ｌｔｄ．", "Acme Trading"),  # full-width letters, space, punctuation
    ("Acme Inc.", "ACME LLC"),
    ("Acme Corp", "acme corporation"),
    ("Siemens AG", "siemens"),
    ("华东１２３有限公司", "华东123"),  # full-width digits
    ("Müller GmbH", "MÜLLER"),
])
def test_same_key(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a,b", [
    ("Costco", "Cost"),                      # 'co' only as a whole trailing word
    ("华为上海分公司", "华为"),                  # a branch is not the company
    ("上海华东机电", "上海华南机电"),
    ("Acme Trading", "Acme Tradings"),
])
def test_different_key(a, b):
    assert name_key(a) != name_key(b)


def test_suffix_only_names_keep_a_key():
    assert name_key("公司") == "公司"
    assert name_key("Co., Ltd.") == "co"  # the last word stays
    assert name_key("!!!") == ""


def test_search_text_keeps_suffix_and_folds_width():
    assert search_text("ＡＢＣ 有限公司") == "abc有限公司"
    assert search_text(None) == ""


@pytest.mark.parametrize("raw,key", [
    ("+86 138-0013-8000", "13800138000"),
    ("0086 13800138000", "13800138000"),
    ("(021) 5555-0000", "02155550000"),
    ("１３８００１３８０００", "13800138000"),
    ("", ""),
    (None, ""),
])
def test_phone_key(raw, key):
    assert phone_key(raw) == key


def test_phone_query():
    assert phone_query("138 00") == "13800"
    assert phone_query("6688-1234") == "66881234"
    assert phone_query("华东") is None
    assert phone_query("12") is None
    assert phone_query("abc123") is None


@pytest.mark.parametrize("q,fragment", [
    ("华东机电有限公司", "华东机电"),
    ("ＡＣＭＥ Co., Ltd.", "acme"),
    ("Costco", "costco"),
    ("王伟", "王伟"),
    ("有限公司", ""), ("公司", ""), ("有限", ""), ("股份", ""), ("集团", ""), ("Co., Ltd.", ""), ("Inc", ""),
])
def test_search_fragment(q, fragment):
    assert search_fragment(q) == fragment
