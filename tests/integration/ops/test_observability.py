"""Metrics and JSON logs of running processes: an API under gunicorn with two workers, an
outbox relay and a consumer, each scraped on its own CRM_METRICS_PORT, each log line parsed
as JSON; the request id a caller sends shows in the API's log line and, as the correlation
id, in the consumer's line for the event the request caused."""

from __future__ import annotations

import json
import uuid

import pika
import pytest
import requests

from shared.db import make_engine
from shared.identity import IDENTITY_HEADER, REQUEST_ID_HEADER, Principal, sign_identity
from shared.testing.clients import new_user, seed_users
from shared.testing.fixtures import TEST_INTERNAL_SECRET, eventually

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def admin(stack):
    user = new_user("admin")
    engine = make_engine(stack.customer.database_url)
    try:
        seed_users(engine, user)
    finally:
        engine.dispose()
    return user


def call(stack, admin, method: str, path: str, request_id: str | None = None, **kw) -> requests.Response:
    principal = Principal(admin["id"], "admin", admin["username"], "cn-east")
    headers = {IDENTITY_HEADER: sign_identity(principal, TEST_INTERNAL_SECRET)}
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id
    return requests.request(method, stack.api_url + path, headers=headers, timeout=30, **kw)


@pytest.fixture(scope="module")
def created(stack, admin):
    """One customer created through the API with a request id of ours."""
    request_id = f"ops-{uuid.uuid4()}"
    r = call(stack, admin, "POST", "/customers", request_id, json={"name": f"观测客户{uuid.uuid4().hex[:6]}"})
    assert r.status_code == 201, r.text
    assert r.headers[REQUEST_ID_HEADER] == request_id
    return {"request_id": request_id, "customer": r.json()}


def test_api_counts_requests_by_route_and_status_over_both_workers(stack, admin, created):
    api = stack.api
    before = api.sample("crm_http_requests_total", service="customer", method="GET", route="/customers/<cid>",
                        status="200")
    missing_before = api.sample("crm_http_requests_total", service="customer", method="GET",
                                route="/customers/<cid>", status="404")
    cid = created["customer"]["id"]
    for _ in range(8):  # spread over the two workers by the kernel
        assert call(stack, admin, "GET", f"/customers/{cid}").status_code == 200
    assert call(stack, admin, "GET", f"/customers/{uuid.uuid4()}").status_code == 404

    # the master's port sums every worker's figures; so does the app's own /metrics
    for url in (None, f"{stack.api_url}/metrics"):
        assert api.sample("crm_http_requests_total", url, service="customer", method="GET",
                          route="/customers/<cid>", status="200") == before + 8
        assert api.sample("crm_http_requests_total", url, service="customer", method="GET",
                          route="/customers/<cid>", status="404") == missing_before + 1
    assert api.sample("crm_http_requests_total", service="customer", method="POST", route="/customers",
                      status="201") >= 1
    assert api.sample("crm_http_request_duration_seconds_count", service="customer", method="GET",
                      route="/customers/<cid>") >= before + 9
    # routes are URL rules, never raw paths with ids in them
    samples = api.metrics()
    workers = [key for key in samples if key[0] == "crm_process_info" and ("kind", "api") in key[1]]
    assert len(workers) == 2, workers  # one series per live worker (pid label), both read by the master
    assert not [key for key in samples if cid in str(key)]
    # the pools of both workers: the API kind's budget per worker (1 + 3 overflow) x 2
    assert api.sample("crm_db_pool_connections_max", kind="api") >= 8
    assert ("crm_db_pool_connections_in_use", frozenset({("database", stack.customer.database_url.rsplit("/", 1)[1]),
                                                         ("kind", "api")})) in samples


def test_api_log_lines_are_json_with_the_request_id_and_user(stack, admin, created):
    def line():
        lines = [doc for doc in stack.api.json_lines() if doc.get("request_id") == created["request_id"]]
        return lines

    lines = eventually(line, timeout=10)
    access = [doc for doc in lines if doc.get("logger") == "crm.http"]
    assert access, lines
    doc = access[0]
    assert doc["service"] == "customer" and doc["kind"] == "api"
    assert doc["level"] == "INFO" and doc["time"].startswith("20")
    assert doc["route"] == "/customers" and doc["status"] == 201 and doc["method"] == "POST"
    assert doc["user_id"] == admin["id"]
    assert doc["correlation_id"] == created["request_id"]
    # gunicorn's own lines (booting workers) are JSON too
    assert any(d.get("logger") == "gunicorn.error" for d in stack.api.json_lines())


def test_relay_reports_what_it_published_and_the_backlog(stack, created):
    relay = stack.relay
    eventually(lambda: relay.sample("crm_relay_published_total", service="customer") >= 1, timeout=20)
    assert relay.sample("crm_relay_publish_delay_seconds_count", service="customer") >= 1
    assert relay.sample("crm_relay_batch_seconds_count", service="customer") >= 1
    eventually(lambda: ("crm_outbox_pending_events", frozenset({("service", "customer")})) in relay.metrics()
               and relay.sample("crm_outbox_pending_events", service="customer") == 0, timeout=20)
    assert relay.sample("crm_outbox_oldest_pending_age_seconds", service="customer") == 0
    assert relay.sample("crm_process_info", service="customer", kind="relay") == 1
    # the service's pending work: an import job nobody runs (no customer consumer here) waits
    assert relay.sample("crm_work_pending", service="customer", work="import_jobs") == 0
    engine = make_engine(stack.customer.database_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO import_jobs (id, created_by, owner_id, status, created_at) "
                                 "VALUES (%s, %s, %s, 'queued', now() - interval '1 minute')",
                                 (str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())))
    finally:
        engine.dispose()
    eventually(lambda: relay.sample("crm_work_pending", service="customer", work="import_jobs") == 1, timeout=20)
    assert relay.sample("crm_work_oldest_age_seconds", service="customer", work="import_jobs") >= 60
    assert all(doc["kind"] == "relay" for doc in relay.json_lines())


def test_consumer_counts_the_event_and_logs_it_with_the_request_correlation_id(stack, created):
    consumer = stack.consumer
    eventually(lambda: consumer.sample("crm_consumer_messages_total", service="tracking",
                                       event_type="customer.customer.created", outcome="handled") >= 1, timeout=30)
    assert consumer.sample("crm_consumer_handle_seconds_count", service="tracking",
                           event_type="customer.customer.created") >= 1
    assert consumer.sample("crm_consumer_event_lag_seconds_count", service="tracking",
                           event_type="customer.customer.created") >= 1

    def handled_line():
        return [doc for doc in consumer.json_lines()
                if doc.get("event_type") == "customer.customer.created" and doc.get("outcome") == "handled"
                and doc.get("correlation_id") == created["request_id"]]

    doc = eventually(handled_line, timeout=10)[0]
    assert doc["service"] == "tracking" and doc["kind"] == "consumer"
    assert doc["aggregate_id"] == created["customer"]["id"]
    assert doc["event_id"] and doc["logger"] == "crm.consumer.events"
    assert doc["user_id"]


def test_consumer_reports_dead_letters_and_the_dlq_depth(stack):
    consumer = stack.consumer
    before = consumer.sample("crm_consumer_messages_total", service="tracking", event_type="<invalid>",
                             outcome="dead_lettered")
    connection = pika.BlockingConnection(pika.URLParameters(stack.amqp_url))
    try:
        connection.channel().basic_publish("crm.events", "customer.customer.created.v1", b"not an envelope",
                                           pika.BasicProperties(delivery_mode=2))
    finally:
        connection.close()
    eventually(lambda: consumer.sample("crm_consumer_messages_total", service="tracking", event_type="<invalid>",
                                       outcome="dead_lettered") == before + 1, timeout=20)
    eventually(lambda: consumer.sample("crm_queue_messages", queue="tracking.events", role="dlq") >= 1, timeout=20)
    assert consumer.sample("crm_queue_consumers", queue="tracking.events") >= 1
    lines = [doc for doc in consumer.json_lines() if doc.get("outcome") == "dead_lettered"]
    assert lines and lines[-1]["level"] == "WARNING" and "bad envelope" in lines[-1]["error"]


def test_every_line_of_every_process_is_one_json_object(stack, created):
    for process in stack.processes:
        lines = process.log_lines()
        assert lines, process.name
        for line in lines:
            doc = json.loads(line)
            assert isinstance(doc, dict) and {"time", "level", "service", "kind", "message"} <= set(doc), line
