"""Who may publish what (issue 11.2): a consumer applies an event only when it comes from
the producer that owns its type.

- The envelope's `producer` must be the service its `event_type` names
  (`gateway.user.updated` is the gateway's, whoever claims otherwise).
- The message's `user_id` property, which RabbitMQ checks against the publishing
  connection's user, must be the broker user of that producer: by convention
  `<prefix><producer>` (`crm-gateway`) when this component runs as its own broker user, or
  the explicit mapping `CRM_BROKER_PRODUCERS` (`gateway=crm-gateway,...`). When the whole
  deployment shares one broker user (tests on a scratch vhost as guest), the broker cannot
  tell the parts apart: then a `user_id` other than that shared user is refused, a missing
  one tolerated, and the producer/type rule above still holds.
- A message that the consumer itself sent back to its queue (a retry through
  `<queue>.retry.N`, a replay from the DLQ through `<dlx>`/`<queue>.replay`) carries this
  consumer's own `user_id`; its original publisher travels in the `x-crm-origin-user`
  header, which is believed only on such a message (own user_id, arrived through its own
  retry queue or replay route). A forgery therefore stays a forgery when it is retried or
  replayed, and a genuine event stays genuine.
- Head office (issue 18): a branch's events arrive through that branch's shovel, which
  publishes as its own broker user (`CRM_REGION_LINKS`: `cn-south=crm-link-cn-south`) and
  stamps that user as `user_id`. Such an event is believed for its own region only
  (envelope `region` = the link's region; the producer/type rule still holds; which service
  of the branch published it the branch's broker checked with its own topic permissions);
  and an event naming a linked region is believed only when it came through that link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.config import Settings
from shared.envelope import Envelope

ORIGIN_HEADER = "x-crm-origin-user"


def replay_routing_key(queue: str) -> str:
    """The routing key on the dead-letter exchange that leads back into queue (DLQ replay)."""
    return f"{queue}.replay"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value)


def owner_of(event_type: str) -> str:
    return event_type.split(".", 1)[0]


@dataclass(frozen=True)
class ProducerTrust:
    """The rule one consumer applies to the messages of its queue."""

    queue: str
    own_user: str
    dead_letter_exchange: str
    producer_users: tuple[tuple[str, str], ...] = ()
    user_prefix: str | None = None  # per-producer users <prefix><producer>; None: one shared user
    region_links: tuple[tuple[str, str], ...] = ()  # (region, broker user of its shovel)

    @classmethod
    def from_settings(cls, settings: Settings, queue: str | None = None) -> ProducerTrust:
        prefix = settings.broker_user_prefix if settings.runs_as_own_broker_user else None
        return cls(queue=queue or settings.queue_name, own_user=settings.broker_user,
                   dead_letter_exchange=settings.dead_letter_exchange,
                   producer_users=settings.producer_users, user_prefix=prefix,
                   region_links=settings.region_links if settings.receives_regions else ())

    @property
    def strict(self) -> bool:
        """True when each producer has its own broker user (a message must name it)."""
        return bool(self.producer_users) or self.user_prefix is not None

    def expected_user(self, producer: str) -> str | None:
        if self.producer_users:
            mapping = dict(self.producer_users)
            return mapping.get(producer) or mapping.get("*")
        if self.user_prefix is not None:
            return f"{self.user_prefix}{producer}"
        return self.own_user

    def came_back(self, exchange: str, routing_key: str, headers: dict[str, Any]) -> bool:
        """True when the message reached the queue through this consumer's own retry queues
        or its replay route (never straight from crm.events)."""
        if exchange == self.dead_letter_exchange and routing_key == replay_routing_key(self.queue):
            return True
        deaths = headers.get("x-death") or []
        if exchange == "" and routing_key == self.queue and deaths:
            last = deaths[0] if isinstance(deaths, list) else {}
            queue = _text(last.get("queue")) or ""
            return queue.startswith(f"{self.queue}.retry.") and _text(last.get("reason")) == "expired"
        return False

    def origin_user(self, exchange: str, routing_key: str, user_id: Any, headers: dict[str, Any] | None) -> str | None:
        """The broker user that originally published the message (None: unknown). A message
        this consumer sent back to itself is exactly as trusted as its origin header says
        (missing or empty: unknown), never trusted as the consumer's own."""
        user = _text(user_id) or None
        headers = headers or {}
        if user is not None and user == self.own_user and self.came_back(exchange, routing_key, headers):
            return _text(headers.get(ORIGIN_HEADER)) or None
        return user

    def refusal(self, envelope: Envelope, origin: str | None) -> str | None:
        """Why the event must not be applied, or None when its producer is trusted for it."""
        owner = owner_of(envelope.event_type)
        if envelope.producer != owner:
            return (f"untrusted producer: {envelope.producer!r} does not own event type "
                    f"{envelope.event_type!r}")
        links = dict(self.region_links)
        linked_region = {user: region for region, user in self.region_links}.get(origin or "")
        if linked_region is not None:
            if envelope.region != linked_region:
                return (f"untrusted region: {envelope.event_type!r} came through the link of region "
                        f"{linked_region!r} but names region {envelope.region!r}")
            return None
        if envelope.region in links:
            return (f"untrusted region: {envelope.event_type!r} names region {envelope.region!r} but "
                    f"did not come through its link ({links[envelope.region]!r})")
        expected = self.expected_user(owner)
        if origin is None:
            if self.strict:
                return f"untrusted producer: {envelope.event_type!r} carries no broker user_id"
            return None
        if origin != expected:
            return (f"untrusted producer: {envelope.event_type!r} was published by broker user "
                    f"{origin!r}, not by {expected!r}")
        return None
