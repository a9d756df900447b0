"""shared.logs: one JSON object per line with the process's service and kind and the ids
of the work in hand (a request's, an event's); LOG_FORMAT=text for people."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask import Flask, g

from shared import logs
from shared.identity import Principal


@pytest.fixture
def captured(monkeypatch):
    """A handler like configure_logging's on a logger of its own, writing to a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(logs.ContextFilter())
    logger = logging.getLogger("crm.test.logs")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    monkeypatch.setitem(logs._process, "service", "sales")
    monkeypatch.setitem(logs._process, "kind", "consumer")
    yield logger, handler, buffer
    logger.removeHandler(handler)


def test_a_json_line_carries_the_process_and_the_event_in_hand(captured):
    logger, handler, buffer = captured
    handler.setFormatter(logs.json_formatter())
    with logs.log_context(event_id="e-1", event_type="sales.order.placed", correlation_id="req-9", user_id=None):
        logger.warning("reserved %d lines", 3, extra={"order_id": "o-1"})
    logger.info("outside")
    first, second = (json.loads(line) for line in buffer.getvalue().splitlines())
    assert first["message"] == "reserved 3 lines" and first["level"] == "WARNING"
    assert first["service"] == "sales" and first["kind"] == "consumer" and first["logger"] == "crm.test.logs"
    assert first["event_id"] == "e-1" and first["event_type"] == "sales.order.placed"
    assert first["correlation_id"] == "req-9" and "user_id" not in first  # None is left out
    assert first["order_id"] == "o-1" and first["time"].endswith("+00:00") and isinstance(first["pid"], int)
    assert "event_id" not in second  # the context ended with the block


def test_explicit_fields_win_over_the_context(captured):
    logger, handler, buffer = captured
    handler.setFormatter(logs.json_formatter())
    with logs.log_context(event_id="outer"):
        logger.info("x", extra={"event_id": "given"})
    assert json.loads(buffer.getvalue())["event_id"] == "given"


def test_a_request_line_carries_the_request_id_and_the_caller(captured):
    logger, handler, buffer = captured
    handler.setFormatter(logs.json_formatter())
    app = Flask("t")
    with app.test_request_context("/orders"):
        g.request_id = "req-42"
        g.principal = Principal("u-7", "sales")
        logger.info("in a request")
    doc = json.loads(buffer.getvalue())
    assert doc["request_id"] == doc["correlation_id"] == "req-42" and doc["user_id"] == "u-7"


def test_exceptions_stay_on_one_line(captured):
    logger, handler, buffer = captured
    handler.setFormatter(logs.json_formatter())
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        logger.exception("failed")
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 1 and "ValueError" in json.loads(lines[0])["exc_info"]


def test_text_format_for_people(captured, monkeypatch):
    logger, handler, buffer = captured
    monkeypatch.setenv("LOG_FORMAT", "text")
    handler.setFormatter(logs.formatter())
    with logs.log_context(correlation_id="req-1"):
        logger.info("hello")
    line = buffer.getvalue().strip()
    assert "sales/consumer crm.test.logs INFO hello" in line and line.endswith("[correlation_id=req-1]")
    monkeypatch.setenv("LOG_FORMAT", "")
    assert logs.log_format() == "json"


def test_configure_logging_replaces_its_own_handler(monkeypatch):
    monkeypatch.setattr(logs, "_process", dict(logs._process))
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        logs.configure_logging("billing", "relay", stream=io.StringIO())
        logs.configure_logging("billing", "relay", stream=io.StringIO())
        ours = [h for h in root.handlers if getattr(h, "_crm_handler", False)]
        assert len(ours) == 1
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
        root.setLevel(level)


def test_service_of_a_gunicorn_app():
    assert logs.service_of_app("services.sales.bootstrap:create_app()") == "sales"
    assert logs.service_of_app("gateway.bootstrap:create_app()") == "gateway"
