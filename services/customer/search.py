"""Matching a search fragment against a search_text column with the right index."""

from __future__ import annotations

from sqlalchemy.sql.elements import ColumnElement

from services.customer.models import bigrams


def fragment_match(search_col: ColumnElement, fragment: str) -> ColumnElement:
    """search_col contains fragment: the trigram index serves 3+ characters, the
    bigram index exactly 2 (callers refuse shorter fragments)."""
    if len(fragment) >= 3:
        return search_col.like(f"%{fragment}%")
    # containing a two-character fragment == having it among its bigrams: an exact index
    # condition (GIN array containment is not lossy), so no per-row recheck
    return bigrams(search_col).contains([fragment])
