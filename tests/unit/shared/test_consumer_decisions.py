"""The consumer's decisions without a broker or a database: which deliveries are acked,
which go to a retry queue and which are dead-lettered, and how topics match."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pika
import pytest

from shared.consumer import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    Consumer,
    HandlerTable,
    _Delivery,
    topic_match,
)
from shared.envelope import Envelope
from shared.outbox import Outbox

QUEUE = "sales.events"


class FakeDb:
    """Every (event, handler) pair is new to the inbox; savepoints are counted."""

    def __init__(self, log):
        self.log = log

    def execute(self, _statement, params):
        return list(zip(params["e"], params["h"], strict=True))

    @contextmanager
    def begin(self):
        yield self

    def begin_nested(self):
        self.log.append("savepoint")
        return SimpleNamespace(commit=lambda: None, rollback=lambda: self.log.append("rolled back"))


class FakeEngine:
    def __init__(self):
        self.log: list[str] = []

    @contextmanager
    def connect(self):
        yield FakeDb(self.log)


class Channel:
    def __init__(self):
        self.acks: list[tuple[int, bool]] = []
        self.published: list[tuple[str, str, dict]] = []

    def basic_ack(self, tag, multiple=False):
        self.acks.append((tag, multiple))

    def basic_publish(self, exchange, routing_key, body, props, mandatory=False):
        assert mandatory and props.delivery_mode == 2 and props.user_id == "sales-consumer"
        self.published.append((exchange, routing_key, dict(props.headers)))


class Trust:
    def __init__(self, refuse: set[str] = frozenset()):
        self.refuse = refuse

    def origin_user(self, exchange, routing_key, user_id, headers):
        return user_id

    def refusal(self, envelope, origin):
        return f"{origin} may not publish {envelope.event_type}" if origin in self.refuse else None


def make_consumer(handlers: HandlerTable, *, trust=None, delays=(100, 200)) -> Consumer:
    settings = SimpleNamespace(queue_name=QUEUE, service="sales", region="cn-east", retry_delays_ms=delays,
                               dead_letter_exchange="crm.dlx", broker_user="sales-consumer")
    return Consumer(settings, FakeEngine(), handlers, queue=QUEUE, outbox=Outbox("sales", "cn-east"),
                    trust=trust or Trust())


def delivery(tag: int, event_type: str = "customer.customer.created", *, attempt: int | None = None,
             user: str = "customer-relay", body: bytes | None = None) -> _Delivery:
    env = Envelope(event_type=event_type, aggregate_type="customer", aggregate_id=f"c{tag}", aggregate_seq=1,
                   data={"n": tag}, producer="customer", region="cn-east")
    headers = {ATTEMPT_HEADER: attempt} if attempt is not None else {}
    props = pika.BasicProperties(content_type="application/json", user_id=user, headers=headers)
    return _Delivery(tag, props, body if body is not None else env.to_json(), "crm.events", env.routing_key)


def table(fail_on: set[int] = frozenset(), seen: list | None = None) -> HandlerTable:
    def handler(_db, env, _reactions):
        if seen is not None:
            seen.append(env.data["n"])
        if env.data["n"] in fail_on:
            raise RuntimeError(f"cannot apply {env.data['n']}")

    t = HandlerTable()
    t.add("customer.customer.*", handler, name="test.customer")
    return t


def test_a_clean_batch_is_settled_by_one_multiple_ack():
    seen: list[int] = []
    c, ch = make_consumer(table(seen=seen)), Channel()
    c._handle_batch(ch, ch, [delivery(1), delivery(2), delivery(3)])
    assert seen == [1, 2, 3] and ch.acks == [(3, True)] and ch.published == []
    assert c.processed == 3 and c.fallbacks == 0


def test_a_failing_message_alone_goes_to_its_first_retry_queue():
    seen: list[int] = []
    c, ch = make_consumer(table(fail_on={2}, seen=seen)), Channel()
    c._handle_batch(ch, ch, [delivery(1), delivery(2), delivery(3)])
    # the batch ran once, then once more message by message, each in a savepoint
    assert seen == [1, 2, 1, 2, 3] and c.fallbacks == 1
    assert c.engine.log == ["savepoint", "savepoint", "rolled back", "savepoint"]
    assert ch.acks == [(1, False), (3, False), (2, False)]  # the failed one is acked once re-routed
    [(exchange, key, headers)] = ch.published
    assert (exchange, key) == ("crm.dlx", f"{QUEUE}.retry.1")
    assert headers[ATTEMPT_HEADER] == 1 and "cannot apply 2" in headers[ERROR_HEADER]
    assert c.processed == 2 and c.dead_lettered == 0


@pytest.mark.parametrize("attempt, route", [(1, f"{QUEUE}.retry.2"), (2, QUEUE)])
def test_retries_step_through_the_delays_then_dead_letter(attempt, route):
    c, ch = make_consumer(table(fail_on={7})), Channel()
    c._handle_batch(ch, ch, [delivery(7, attempt=attempt)])
    [(_exchange, key, headers)] = ch.published
    assert key == route and headers[ATTEMPT_HEADER] == attempt + 1
    assert c.dead_lettered == (1 if route == QUEUE else 0)
    if route == QUEUE:
        assert headers["x-crm-queue"] == QUEUE  # the DLQ record says where it failed


def test_a_bad_envelope_is_dead_lettered_at_once_and_the_rest_applied():
    seen: list[int] = []
    c, ch = make_consumer(table(seen=seen)), Channel()
    c._handle_batch(ch, ch, [delivery(1), delivery(2, body=b"{not json"), delivery(3)])
    assert seen == [1, 3] and c.fallbacks == 0
    assert ch.acks[:2] == [(1, False), (3, False)]
    [(_exchange, key, headers)] = ch.published
    assert key == QUEUE and headers[ATTEMPT_HEADER] == 1 and "bad envelope" in headers[ERROR_HEADER]


def test_an_untrusted_producer_is_refused_without_retries():
    seen: list[int] = []
    c, ch = make_consumer(table(seen=seen), trust=Trust(refuse={"intruder"})), Channel()
    c._handle_batch(ch, ch, [delivery(1, user="intruder"), delivery(2)])
    assert seen == [2] and c.refused == 1 and c.dead_lettered == 1
    [(_exchange, key, headers)] = ch.published
    assert key == QUEUE and "intruder may not publish" in headers[ERROR_HEADER]


class Deadlock(Exception):
    """What SQLAlchemy raises for PostgreSQL's deadlock_detected: .orig carries the SQLSTATE."""

    def __init__(self, code: str = "40P01"):
        super().__init__("deadlock detected")
        self.orig = SimpleNamespace(sqlstate=code)


def test_the_prelude_runs_first_with_the_whole_batch():
    calls: list = []
    t = table(seen=calls)
    t.add_prelude(lambda _db, envs: calls.append(("prelude", [e.data["n"] for e in envs])))
    c, ch = make_consumer(t), Channel()
    c._handle_batch(ch, ch, [delivery(1), delivery(2, "customer.contact.created"), delivery(3)])
    # only the events a handler takes reach it (the unmatched one is new to no handler)
    assert calls == [("prelude", [1, 3]), 1, 3] and ch.acks == [(3, True)]


@pytest.mark.parametrize("code", ["40P01", "40001"])
def test_a_deadlocked_batch_is_applied_again_whole(code):
    seen: list[int] = []
    aborted: list[int] = []

    def prelude(_db, envs):
        if not aborted:  # the first attempt loses the deadlock
            aborted.append(1)
            raise Deadlock(code)

    t = table(seen=seen)
    t.add_prelude(prelude)
    c, ch = make_consumer(t), Channel()
    c._handle_batch(ch, ch, [delivery(1), delivery(2)])
    assert seen == [1, 2] and c.fallbacks == 0 and c.engine.log == []  # no savepoints: the whole batch again
    assert ch.acks == [(2, True)] and ch.published == []


def test_a_batch_that_keeps_deadlocking_falls_back_to_one_message_at_a_time():
    seen: list[int] = []
    state = {"whole": 0}

    def prelude(_db, envs):
        if len(envs) > 1:
            state["whole"] += 1
            raise Deadlock()

    t = table(seen=seen)
    t.add_prelude(prelude)
    c, ch = make_consumer(t), Channel()
    c._handle_batch(ch, ch, [delivery(1), delivery(2)])
    # three whole attempts, then the isolated run: its prelude (best effort) fails in its own
    # savepoint and every message is still applied
    assert state["whole"] == 4 and c.fallbacks == 1 and seen == [1, 2]
    assert c.engine.log[:2] == ["savepoint", "rolled back"] and ch.published == []


def test_events_no_handler_matches_are_acked_and_not_applied():
    seen: list[int] = []
    c, ch = make_consumer(table(seen=seen)), Channel()
    c._handle_batch(ch, ch, [delivery(1, "customer.contact.created"), delivery(2)])
    assert seen == [2] and ch.acks == [(2, True)] and c.processed == 2


@pytest.mark.parametrize("pattern, event_type, matches", [
    ("#", "sales.order.placed", True),
    ("sales.#", "sales.order.placed", True),
    ("sales.order.*", "sales.order.placed", True),
    ("sales.*", "sales.order.placed", False),
    ("sales.order.placed", "sales.order.placed", True),
    ("sales.order.placed", "sales.order.cancelled", False),
    ("*.order.#", "sales.order.line.added", True),
    ("customer.#", "sales.order.placed", False),
])
def test_topic_patterns_match_as_amqp_does(pattern, event_type, matches):
    assert topic_match(pattern, event_type) is matches
