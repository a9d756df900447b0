"""Who may publish what (issue 11.2), without a broker: the rules of shared.provenance and
the per-component URLs of shared.config."""

from __future__ import annotations

import pytest

from shared.config import Settings, settings_for
from shared.envelope import Envelope
from shared.provenance import ORIGIN_HEADER, ProducerTrust, replay_routing_key

Q = "sales.events"


def event(event_type: str = "gateway.user.updated", producer: str = "gateway") -> Envelope:
    return Envelope(event_type=event_type, aggregate_type="user", aggregate_id="u1", data={}, producer=producer,
                    region="cn-east")


def per_component() -> ProducerTrust:
    return ProducerTrust(queue=Q, own_user="crm-sales", dead_letter_exchange="crm.dlx", user_prefix="crm-")


def shared_user() -> ProducerTrust:
    return ProducerTrust(queue=Q, own_user="guest", dead_letter_exchange="crm.dlx")


def retry_death() -> dict:
    return {"x-death": [{"queue": f"{Q}.retry.1", "reason": "expired", "count": 1}]}


def test_each_producer_must_be_its_own_broker_user():
    trust = per_component()
    assert trust.refusal(event(), "crm-gateway") is None
    assert "crm-customer" in trust.refusal(event(), "crm-customer")
    assert "no broker user_id" in trust.refusal(event(), None)
    assert trust.refusal(event("customer.customer.created", "customer"), "crm-customer") is None


@pytest.mark.parametrize("trust", [per_component(), shared_user()])
def test_a_producer_never_owns_another_services_event_type(trust):
    claimed = event("gateway.user.updated", producer="customer")
    assert "does not own event type" in trust.refusal(claimed, trust.expected_user("customer"))
    assert "does not own event type" in trust.refusal(claimed, None)


def test_one_shared_user_tolerates_no_user_id_but_not_another_user():
    trust = shared_user()
    assert trust.refusal(event(), None) is None
    assert trust.refusal(event(), "guest") is None
    assert "intruder" in trust.refusal(event(), "intruder")


def test_explicit_mapping_wins():
    trust = ProducerTrust(queue=Q, own_user="guest", dead_letter_exchange="crm.dlx",
                          producer_users=(("gateway", "gw-prod"), ("*", "svc-any")))
    assert trust.strict
    assert trust.refusal(event(), "gw-prod") is None
    assert trust.refusal(event(), "guest") is not None
    assert trust.refusal(event("billing.invoice.issued", "billing"), "svc-any") is None


def test_origin_header_is_believed_only_from_own_user_through_own_retry_or_replay():
    trust = per_component()
    claim = {ORIGIN_HEADER: "crm-gateway"}
    # a retry: own user_id, dead-lettered back from its own retry queue
    assert trust.origin_user("", Q, "crm-sales", {**claim, **retry_death()}) == "crm-gateway"
    # a replay: own user_id, through the DLX's replay route
    assert trust.origin_user("crm.dlx", replay_routing_key(Q), "crm-sales", claim) == "crm-gateway"
    # anyone else's claim is ignored: the origin is who published it
    assert trust.origin_user("crm.dlx", replay_routing_key(Q), "crm-customer", claim) == "crm-customer"
    assert trust.origin_user("", Q, "crm-customer", {**claim, **retry_death()}) == "crm-customer"
    assert trust.origin_user("crm.events", "gateway.user.updated.v1", "crm-customer", claim) == "crm-customer"
    # own user straight on crm.events (not a retry): the header means nothing
    assert trust.origin_user("crm.events", "gateway.user.updated.v1", "crm-sales", claim) == "crm-sales"
    # another queue's retry queue does not count
    other = {"x-death": [{"queue": "customer.events.retry.1", "reason": "expired"}]}
    assert trust.origin_user("", Q, "crm-sales", {**claim, **other}) == "crm-sales"
    assert trust.origin_user("", Q, b"crm-sales", {ORIGIN_HEADER: b"crm-gateway", **retry_death()}) == "crm-gateway"
    # back through its own routes without a (non-empty) header: unknown, never the consumer itself
    assert trust.origin_user("crm.dlx", replay_routing_key(Q), "crm-sales", {}) is None
    assert trust.origin_user("", Q, "crm-sales", {ORIGIN_HEADER: "", **retry_death()}) is None
    assert trust.refusal(event("sales.order.placed", "sales"), None) is not None


def test_components_connect_as_their_own_role_and_user_by_default(monkeypatch):
    for name in ("RABBITMQ_URL", "CRM_PG_URL", "CUSTOMER_DATABASE_URL", "CUSTOMER_RABBITMQ_URL",
                 "CRM_BROKER_PRODUCERS", "CRM_DECLARE_TOPOLOGY", "CRM_DB_PREFIX", "CRM_BROKER_USER_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRM_DB_PASSWORD_CUSTOMER", "db/pass@word")
    monkeypatch.setenv("CRM_BROKER_PASSWORD_CUSTOMER", "mq:pass/word")
    monkeypatch.setenv("CRM_RABBITMQ_VHOST", "/")
    s = settings_for("customer")
    assert s.database_url.startswith("postgresql+psycopg://crm_customer:db%2Fpass%40word@127.0.0.1:5432/")
    assert s.database_url.endswith("/crm_customer") and "postgres@" not in s.database_url
    assert s.rabbitmq_url == "amqp://crm-customer:mq%3Apass%2Fword@127.0.0.1:5672/%2F"
    assert s.broker_user == "crm-customer" and s.runs_as_own_broker_user and not s.declares_topology
    assert ProducerTrust.from_settings(s).expected_user("gateway") == "crm-gateway"


def test_explicit_urls_still_override(monkeypatch):
    monkeypatch.setenv("CRM_PG_URL", "postgresql+psycopg://postgres@db:5432")
    monkeypatch.setenv("RABBITMQ_URL", "amqp://guest:guest@mq:5672/%2F")
    monkeypatch.setenv("SALES_DATABASE_URL", "postgresql+psycopg://me@db2:5432/sales")
    assert settings_for("customer").database_url == "postgresql+psycopg://postgres@db:5432/crm_customer"
    assert settings_for("sales").database_url == "postgresql+psycopg://me@db2:5432/sales"
    s = settings_for("customer")
    assert s.rabbitmq_url == "amqp://guest:guest@mq:5672/%2F" and s.declares_topology
    assert ProducerTrust.from_settings(s).expected_user("gateway") == "guest"
    monkeypatch.setenv("CRM_BROKER_PRODUCERS", "gateway=gw, customer = cu")
    assert Settings(service="x", database_url="").producer_users == (("gateway", "gw"), ("customer", "cu"))
    monkeypatch.setenv("CRM_BROKER_PRODUCERS", "gateway")
    with pytest.raises(ValueError):
        Settings(service="x", database_url="")
