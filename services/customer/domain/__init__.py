"""Business rules of the customer service (no Flask, no SQLAlchemy)."""
