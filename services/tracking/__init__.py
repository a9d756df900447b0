"""Tracking service: one time-ordered record of every event about every customer."""
