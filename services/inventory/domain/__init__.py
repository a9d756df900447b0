"""Inventory domain rules: no flask, no sqlalchemy."""
