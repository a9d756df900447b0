"""Contract tests for the event registry and the envelope (no I/O)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from shared import events
from shared.consumer import HandlerTable, topic_match
from shared.envelope import BadEnvelope, Envelope
from shared.identity import InvalidIdentity, Principal, sign_identity, verify_identity
from shared.money import BadAmount, cents, fmt, to_decimal
from shared.outbox import EventContext
from shared.topology import binding_key


@pytest.mark.parametrize("spec", events.all_specs(), ids=lambda s: s.routing_key)
def test_every_registered_sample_validates_against_its_schema(spec):
    events.validate(spec.event_type, spec.sample, spec.version)
    assert spec.event_type.count(".") == 2, "event types are <service>.<aggregate>.<past_tense>"


@pytest.mark.parametrize("spec", events.all_specs(), ids=lambda s: s.routing_key)
def test_every_summary_template_renders_from_its_sample(spec):
    values = {k: v for k, v in spec.sample.items() if not isinstance(v, dict | list)}
    for template in (spec.summary_en, spec.summary_zh):
        if template:
            template.format(**values)


def test_invalid_payload_is_refused():
    with pytest.raises(events.InvalidEventData) as err:
        events.validate("customer.customer.created", {"name": "x"})
    assert "id" in err.value.messages


def test_unknown_event_type_is_refused():
    with pytest.raises(events.UnknownEventType):
        events.validate("customer.nothing.happened", {})


def test_envelope_round_trips_chinese_text():
    env = Envelope(event_type="customer.customer.created", aggregate_type="customer", aggregate_id="a1",
                   data={"name": "上海华东机电设备有限公司"}, producer="customer", region="cn-east", aggregate_seq=3)
    body = env.to_json()
    assert "上海华东".encode() in body
    back = Envelope.from_json(body)
    assert back == env
    assert back.routing_key == "customer.customer.created.v1"


@pytest.mark.parametrize("body", [b"not json", b"[]", json.dumps({"event_id": "x"}).encode(),
                                  json.dumps({"event_id": "x", "event_type": "a.b.c", "aggregate_type": "a",
                                              "aggregate_id": "1", "data": []}).encode()])
def test_bad_envelopes_are_rejected(body):
    with pytest.raises(BadEnvelope):
        Envelope.from_json(body)


def test_reaction_context_keeps_actor_and_correlation():
    cause = Envelope(event_type="sales.order.placed", aggregate_type="order", aggregate_id="o1", data={},
                     producer="sales", region="r", actor_id="u1", correlation_id="req-1")
    ctx = EventContext.caused_by(cause)
    assert (ctx.actor_id, ctx.correlation_id, ctx.causation_id) == ("u1", "req-1", cause.event_id)


@pytest.mark.parametrize(("pattern", "event_type", "expected"), [
    ("#", "sales.order.placed", True),
    ("sales.#", "sales.order.placed", True),
    ("sales.order.*", "sales.order.placed", True),
    ("sales.order.placed", "sales.order.placed", True),
    ("sales.order.placed", "sales.order.cancelled", False),
    ("sales.*", "sales.order.placed", False),
    ("customer.#", "sales.order.placed", False),
    ("sales.#.placed", "sales.order.placed", True),
])
def test_topic_matching(pattern, event_type, expected):
    assert topic_match(pattern, event_type) is expected


def test_binding_keys_cover_the_version_word():
    assert binding_key("sales.order.placed") == "sales.order.placed.*"
    assert binding_key("#") == "#"
    assert binding_key("customer.customer.#") == "customer.customer.#"


def test_handler_table_runs_each_handler_once_per_event():
    table = HandlerTable()

    def h(conn, env, r):
        return None

    table.add("sales.#", h, name="h")
    table.add("sales.order.placed", h, name="h")
    assert [n for n, _ in table.for_event("sales.order.placed")] == ["h"]


def test_money_rounds_half_up_to_cents():
    assert fmt(Decimal("2.675")) == "2.68"
    assert fmt(Decimal("2.665")) == "2.67"
    assert cents(to_decimal("35.1")) == Decimal("35.10")
    assert to_decimal(0.1) == Decimal("0.1")
    for bad in ("abc", None, True, "NaN", "Infinity"):
        with pytest.raises(BadAmount):
            to_decimal(bad)


def test_identity_token_is_pinned_and_checked():
    p = Principal("u1", "sales", "zhang", "cn-east")
    token = sign_identity(p, "a-long-enough-internal-secret-for-hs256")
    assert verify_identity(token, "a-long-enough-internal-secret-for-hs256") == p
    with pytest.raises(InvalidIdentity):
        verify_identity(token, "another-secret-that-is-long-enough-too")
    with pytest.raises(InvalidIdentity):
        verify_identity(sign_identity(p, "a-long-enough-internal-secret-for-hs256", ttl=-5), "a-long-enough-internal-secret-for-hs256")
    import jwt

    unsigned = jwt.encode({"sub": "u1", "role": "admin", "aud": "crm-internal", "iss": "crm-gateway",
                           "iat": 0, "exp": 9999999999}, key=None, algorithm="none")
    with pytest.raises(InvalidIdentity):
        verify_identity(unsigned, "a-long-enough-internal-secret-for-hs256")
