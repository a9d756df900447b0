"""Keys for duplicate detection and search.

name_key: the company name with width (NFKC), case, spaces, punctuation and common
company suffixes removed, so "上海华东机电设备有限公司", "上海华东机电设备 有限责任公司" and
"ＡＣＭＥ Co., Ltd." vs "acme" compare equal. search_text: the same without the suffix
removal (what q is matched against). phone_key: the digits of a phone number.
"""

from __future__ import annotations

import re
import unicodedata

# Chinese suffixes, longest first; removed repeatedly from the end ("集团有限公司").
_ZH_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "控股集团", "集团", "控股", "公司",
)
# Latin suffixes, as whole trailing words (so "Costco" keeps its "co").
_LATIN_SUFFIXES = frozenset({
    "co", "company", "corp", "corporation", "inc", "incorporated", "llc", "llp", "ltd", "limited",
    "plc", "gmbh", "ag", "sa", "srl", "bv", "pte", "pty", "kk", "group", "holdings",
})
_WORD = re.compile(r"\w+")


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _squash(text: str) -> str:
    """Keep letters and digits only (drops spaces, punctuation, symbols, underscores)."""
    return "".join(ch for ch in text if ch.isalnum())


def search_text(text: str | None) -> str:
    """Width- and case-folded, spaces and punctuation removed (for matching fragments)."""
    return _squash(_nfkc(text or ""))


def _strip_suffixes(text: str, *, allow_empty: bool) -> str:
    words = [w.replace("_", "") for w in _WORD.findall(_nfkc(text))]
    words = [w for w in words if w]
    while len(words) > (0 if allow_empty else 1) and words[-1] in _LATIN_SUFFIXES:
        words.pop()
    key = _squash("".join(words))
    changed = True
    while changed:
        changed = False
        for suffix in _ZH_SUFFIXES:
            if key.endswith(suffix) and (allow_empty or len(key) > len(suffix)):
                key = key[: -len(suffix)]
                changed = True
                break
    return key


def name_key(name: str | None) -> str:
    """The normalised name used for duplicate detection ('' when nothing is left)."""
    return _strip_suffixes(name or "", allow_empty=False) or _squash(_nfkc(name or ""))


def search_fragment(q: str | None) -> str:
    """What a search q is matched against names with: like search_text, but a trailing
    company suffix is dropped ("华东机电有限公司" finds "华东机电设备有限公司"); a q that is
    nothing but a suffix, or a piece of one ("有限公司", "有限", "Co., Ltd."), gives '' (it
    would match nearly every customer)."""
    fragment = _strip_suffixes(q or "", allow_empty=True)
    if any(fragment in suffix for suffix in _ZH_SUFFIXES + ("有限责任公司",)):
        return ""
    return fragment


def phone_key(phone: str | None) -> str:
    """Digits only; a leading +86 / 0086 country code on a mobile number is dropped."""
    digits = "".join(ch for ch in _nfkc(phone or "") if ch.isdigit())
    if len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86") and digits[2] == "1":
        digits = digits[2:]
    return digits


def phone_query(q: str) -> str | None:
    """The digits to search phones for, when q looks like (part of) a phone number."""
    text = _nfkc(q).strip()
    if not text or any(ch.isalpha() for ch in text):
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits if len(digits) >= 3 else None
