"""The customer service's HTTP API (paths without /api/v1)."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    from services.customer.api import (
        activities,
        bulk,
        calendar,
        competitors,
        complaints,
        contacts,
        custom_fields,
        customers,
        documents,
        duplicate_check,
        handover,
        lead_handling,
        leads,
        merges,
        ownership,
        planning,
        service_orders,
        tasks,
        transfer_files,
    )

    return [duplicate_check.bp, bulk.bp, customers.bp, ownership.bp, contacts.bp, leads.bp, activities.bp, complaints.bp,
            custom_fields.bp, planning.bp, service_orders.bp, transfer_files.bp, documents.bp, tasks.bp, calendar.bp,
            merges.bp, competitors.bp, lead_handling.bp, handover.bp]
