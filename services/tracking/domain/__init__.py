"""Tracking's rules, free of Flask and SQLAlchemy: periods and dates, the timeline cursor,
which orders count as revenue, who is notified of what."""
