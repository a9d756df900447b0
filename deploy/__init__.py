"""Deployment helpers: preparing databases and queues, process definitions."""
