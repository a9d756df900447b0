"""Branch -> head office through the shovel (issue 18): once, and nothing lost or doubled
across a cut link."""

from __future__ import annotations

import time

import pika
import pytest
import sqlalchemy as sa

from shared.envelope import Envelope
from shared.testing.fixtures import eventually
from shared.testing.regions import REGION, TwoRegions, rabbitmqctl
from shared.topology import connect

pytestmark = pytest.mark.integration


def publish(url: str, exchange: str, envelopes: list[Envelope]) -> None:
    conn = connect(url)
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        for env in envelopes:
            ch.basic_publish(exchange, env.routing_key, env.to_json(), pika.BasicProperties(delivery_mode=2))
    finally:
        conn.close()


def branch_envelopes(regions: TwoRegions) -> list[Envelope]:
    with regions.branch_engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT payload FROM outbox ORDER BY id")).scalars().all()
    return [Envelope.from_dict(r) for r in rows]


def test_events_of_a_branch_reach_head_office_once(two_regions):
    ids = two_regions.commit_at_branch(20)
    eventually(lambda: len(two_regions.stored_at_hq()) == 20, timeout=30)
    assert sorted(e for e, _ in two_regions.stored_at_hq()) == sorted(ids)
    assert {r for _, r in two_regions.stored_at_hq(None)} == {REGION}
    # the same events published again at the branch (a relay that published twice): they
    # travel the link again and are a no-op at head office
    handled = two_regions.consumer.processed
    publish(two_regions.branch.rabbitmq_url, "crm.events", branch_envelopes(two_regions))
    eventually(lambda: two_regions.consumer.processed >= handled + 20, timeout=30)
    assert len(two_regions.stored_at_hq()) == 20
    assert two_regions.consumer.dead_lettered == 0


def test_head_office_believes_a_region_only_through_its_link(two_regions):
    """An event published straight to head office's exchange that claims to come from the
    branch is refused; head office's own events are stored with their own region."""
    forged = branch_envelopes_after(two_regions, 1)[0]
    publish(two_regions.hq.rabbitmq_url, "crm.events", [forged])
    eventually(lambda: two_regions.consumer.refused == 1, timeout=30)
    assert two_regions.stored_at_hq() == []
    own = Envelope.from_dict({**forged.to_dict(), "event_id": "6f0c8f8e-5a59-4b43-9d51-0c7b4a6b1c11", "region": "hq"})
    publish(two_regions.hq.rabbitmq_url, "crm.events", [own])
    eventually(lambda: two_regions.stored_at_hq("hq") == [(own.event_id, "hq")], timeout=30)


def branch_envelopes_after(regions: TwoRegions, n: int) -> list[Envelope]:
    """n events committed at the branch but never relayed (the relay is stopped first)."""
    regions.relay.stop()
    time.sleep(1.0)
    regions.commit_at_branch(n)
    return branch_envelopes(regions)[-n:]


def cut_by_deleting_the_shovel(regions: TwoRegions):
    regions.delete_shovel()
    return regions.prepare_branch  # deploy.prepare on the branch defines it again


def cut_by_revoking_head_office(regions: TwoRegions):
    """Head office's vhost unreachable for the link: its permissions there removed and its
    open connections closed."""
    rabbitmqctl("clear_permissions", "-p", regions.hq_vhost, regions.link_user)
    rabbitmqctl("close_all_user_connections", regions.link_user, "link cut by test")

    def restore() -> None:
        rabbitmqctl("set_permissions", "-p", regions.hq_vhost, regions.link_user, "^$", "^crm\\.regions$", "^$")

    return restore


@pytest.mark.parametrize("cut", [cut_by_deleting_the_shovel, cut_by_revoking_head_office])
def test_a_cut_link_loses_nothing_and_doubles_nothing(two_regions, cut):
    before = two_regions.commit_at_branch(50)
    eventually(lambda: len(two_regions.stored_at_hq()) == 50, timeout=30)
    restore = cut(two_regions)
    time.sleep(1.5)
    during = two_regions.commit_at_branch(1000)  # the branch keeps working
    eventually(lambda: two_regions.outbox_pending() == 0, timeout=60)  # published at the branch
    eventually(lambda: two_regions.link_queue_depth() >= 1000, timeout=30)  # and queued there
    assert len(two_regions.stored_at_hq()) == 50
    started = time.monotonic()
    restore()
    eventually(lambda: two_regions.link_queue_depth() == 0, timeout=120, interval=0.05)
    forwarded = time.monotonic() - started
    eventually(lambda: len(two_regions.stored_at_hq()) >= 1050, timeout=120, interval=0.05)
    drain = time.monotonic() - started
    time.sleep(1.0)  # any redelivery after the cut would have arrived by now
    stored = two_regions.stored_at_hq()
    ids = [e for e, _ in stored]
    lost = set(before + during) - set(ids)
    doubled = len(ids) - len(set(ids))
    print(f"\n{cut.__name__}: 1000 events queued at the branch, left the branch {forwarded:.2f} s "
          f"after the link was restored, all stored at head office after {drain:.2f} s; "
          f"lost {len(lost)}, doubled {doubled}, deliveries at head office {two_regions.consumer.processed}")
    assert not lost and doubled == 0 and len(ids) == 1050
    assert two_regions.link_queue_depth() == 0
    assert two_regions.consumer.dead_lettered == 0
