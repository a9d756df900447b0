"""Matching a search fragment against a search_text column with the right index."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from services.customer.models import bigrams


def fragment_match(search_col: ColumnElement, fragment: str) -> ColumnElement:
    """search_col contains fragment: the trigram index serves 3+ characters, the
    bigram index exactly 2 (callers refuse shorter fragments)."""
    like = search_col.like(f"%{fragment}%")
    if len(fragment) >= 3:
        return like
    # the LIKE is the exact test and cheap; the bigram test lets the planner use the index
    return sa.and_(like, bigrams(search_col).contains([fragment]))
