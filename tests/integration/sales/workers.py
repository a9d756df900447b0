"""Entry points for sales consumers in separate processes (multiprocessing spawn)."""

from __future__ import annotations

import threading


def run_consumer_process(settings, queue: str, stop_event, processed) -> None:
    from services.sales.handlers import handler_table
    from shared.consumer import Consumer
    from shared.db import make_engine

    consumer = Consumer(settings, make_engine(settings.database_url), handler_table(), queue=queue, batch=20)

    def watch() -> None:
        stop_event.wait()
        consumer.stop()

    threading.Thread(target=watch, daemon=True).start()
    consumer.run()
    processed.value = consumer.processed
