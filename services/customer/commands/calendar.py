"""Calendar feed commands: issue (or regenerate) and revoke the caller's secret feed URL
(services/customer/calendar_feed.py keeps only the token's hash). No event: the feed is
the user's own setting, nobody else's business."""

from __future__ import annotations

from typing import Any

from services.customer import calendar_feed
from shared.identity import Principal
from shared.service import ServiceContext


def issue_feed(ctx: ServiceContext, p: Principal) -> tuple[str, Any]:
    """(the new token, its row); the previous token stops working."""
    with ctx.engine.begin() as conn:
        return calendar_feed.issue(conn, p.user_id)


def revoke_feed(ctx: ServiceContext, p: Principal) -> None:
    with ctx.engine.begin() as conn:
        calendar_feed.revoke(conn, p.user_id)
