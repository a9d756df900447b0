"""The outbox relay's decisions without a broker or a database: the publishing window,
confirms, and the back-off after the broker refuses a batch."""

from __future__ import annotations

from types import SimpleNamespace

from pika.spec import Basic

from shared.relay import MARK_SENT_SQL, Relay, refusal_delay


class FakeIoloop:
    def __init__(self):
        self.timers: list[list] = []  # [delay, fn, cancelled]

    def call_later(self, delay, fn):
        timer = [delay, fn, False]
        self.timers.append(timer)
        return timer

    def remove_timeout(self, timer):
        timer[2] = True

    def pending(self) -> list[list]:
        return [t for t in self.timers if not t[2]]

    def fire(self) -> float:
        """Run the oldest pending timer; its delay."""
        timer = self.pending()[0]
        timer[2] = True
        timer[1]()
        return timer[0]


class FakeChannel:
    def __init__(self):
        self.published: list[tuple[str, str, bytes]] = []

    def basic_publish(self, exchange, routing_key, body, props):
        assert props.delivery_mode == 2 and props.user_id == "relay"  # persistent, own broker user
        self.published.append((exchange, routing_key, body))


class FakeDb:
    """A connection: the claim returns the pending rows; marking records the ids."""

    def __init__(self, store):
        self.store = store
        self.tx = SimpleNamespace(is_active=True, rollback=self._rollback, commit=self._commit)
        self.marked: list[int] = []

    def begin(self):
        return self.tx

    def execute(self, statement, params):
        if statement is MARK_SENT_SQL:
            self.marked = list(params["ids"])
            return None
        rows = [SimpleNamespace(id=i, routing_key="x.y.z.v1", body=f'{{"n": {i}}}', age=0.0)
                for i in sorted(self.store.pending)[: params["n"]]]
        return SimpleNamespace(all=lambda: rows)

    def _commit(self):
        self.store.pending -= set(self.marked)
        self.store.commits += 1
        self.tx.is_active = False

    def _rollback(self):
        self.store.rollbacks += 1
        self.tx.is_active = False

    def close(self):
        pass


class FakeEngine:
    def __init__(self, pending):
        self.pending = set(pending)
        self.commits = self.rollbacks = 0

    def connect(self):
        return FakeDb(self)


def make_relay(pending, *, batch=10, window=100):
    settings = SimpleNamespace(relay_batch=batch, relay_window=window, exchange="crm.events", service="test",
                               rabbitmq_url="amqp://relay:pw@localhost:5672/vh")
    r = Relay(settings, FakeEngine(pending), max_backoff=8.0)
    r._conn = SimpleNamespace(ioloop=FakeIoloop(), is_open=True, close=lambda: None)
    r._channel = FakeChannel()
    r._delivery_tag = 0
    return r


def confirm(r: Relay, tag: int, *, nack: bool = False, multiple: bool = False) -> None:
    method = (Basic.Nack if nack else Basic.Ack)(delivery_tag=tag, multiple=multiple)
    r._on_confirm(SimpleNamespace(method=method))


def test_refusal_delay_doubles_up_to_the_cap():
    assert [refusal_delay(n, 8.0) for n in range(6)] == [0.0, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert refusal_delay(10_000, 30.0) == 30.0  # no overflow however long the broker refuses


def test_a_confirmed_batch_is_marked_sent_and_the_next_claim_follows_at_once():
    r = make_relay([1, 2, 3])
    r._pump()
    assert [p[1] for p in r._channel.published] == ["x.y.z.v1"] * 3
    confirm(r, 3, multiple=True)
    assert r.published == 3 and r.engine.pending == set() and r.engine.commits == 1
    assert r._batch is None and r.refusals == 0
    assert [t[0] for t in r._conn.ioloop.pending()] == [0.0]


def test_refused_batches_back_off_growing_and_a_success_resets_it():
    r = make_relay([1, 2])
    delays = []
    for _ in range(3):
        r._pump()
        confirm(r, r._delivery_tag - 1)
        confirm(r, r._delivery_tag, nack=True)
        assert r.engine.rollbacks == len(delays) + 1 and r.engine.pending == {1, 2}
        delays.append(r._conn.ioloop.pending()[-1][0])
        r._conn.ioloop.pending()[-1][2] = True  # the test pumps by hand
    assert delays == [1.0, 2.0, 4.0]  # never a tight loop (the flag was reset before it was read)
    assert len(r._channel.published) == 6
    r._pump()
    confirm(r, r._delivery_tag, multiple=True)
    assert r.refusals == 0 and r.engine.pending == set() and r.published == 2
    assert r._conn.ioloop.pending()[-1][0] == 0.0


def test_a_notify_does_not_cut_the_refusal_pause_short():
    r = make_relay([1])
    r._listen = SimpleNamespace(notifies=lambda timeout: iter(()))
    r._pump()
    confirm(r, 1, nack=True)
    published = len(r._channel.published)
    r._on_notify(None, None)  # a new row was committed meanwhile
    assert len(r._channel.published) == published and r._batch is None
    assert r._conn.ioloop.fire() == 1.0  # the pause ends: the batch goes again
    assert len(r._channel.published) == published + 1


def test_the_window_bounds_messages_in_flight():
    r = make_relay(range(1, 8), window=3)
    r._pump()
    assert len(r._channel.published) == 3
    confirm(r, 1)
    assert len(r._channel.published) == 4
    confirm(r, 4, multiple=True)  # acks 2..4: three more go
    assert len(r._channel.published) == 7 and r.engine.commits == 0
    confirm(r, 7, multiple=True)
    assert r.engine.commits == 1 and r.engine.pending == set()


def test_an_idle_relay_polls_and_a_notify_wakes_it_at_once():
    r = make_relay([])
    r._listen = SimpleNamespace(notifies=lambda timeout: iter(()))
    r._pump()
    idle = r._conn.ioloop.pending()
    assert [t[0] for t in idle] == [r.idle_poll] and r.engine.rollbacks == 1
    r.engine.pending = {9}
    r._on_notify(None, None)
    assert idle[0][2] is True  # the poll timer was cancelled
    assert [p[2] for p in r._channel.published] == [b'{"n": 9}']

