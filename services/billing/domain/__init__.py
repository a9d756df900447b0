"""Billing's business rules, free of Flask and SQLAlchemy (unit-tested in tests/unit/billing)."""
