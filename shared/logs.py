"""Logging: one line per record, with the service name."""

from __future__ import annotations

import logging
import os


def configure_logging(service: str) -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format=f"%(asctime)s {service} %(name)s %(levelname)s %(message)s",
    )
    logging.getLogger("pika").setLevel(logging.WARNING)
