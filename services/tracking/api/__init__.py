"""Tracking's HTTP API (paths without /api/v1): timeline, audit, reports, notifications, webhooks."""

from flask import Blueprint

from services.tracking.api import notifications, reports, timeline, webhooks


def blueprints() -> list[Blueprint]:
    return [timeline.bp, reports.bp, notifications.bp, webhooks.bp]
