"""Branch -> head office (issue 18) without a broker: which region head office believes, the
topology it binds, and the shovel and permissions deploy.regions defines."""

from __future__ import annotations

import dataclasses

import pytest

from deploy.regions import BranchLink, head_office_definitions
from shared.config import parse_region_links, settings_for
from shared.envelope import Envelope
from shared.provenance import ProducerTrust
from shared.topology import consumer_topology

LINKS = (("cn-south", "crm-link-cn-south"),)


def event(region: str, event_type: str = "customer.customer.created", producer: str = "customer") -> Envelope:
    return Envelope(event_type=event_type, aggregate_type="customer", aggregate_id="c1", data={},
                    producer=producer, region=region)


def head_office(strict: bool = True) -> ProducerTrust:
    return ProducerTrust(queue="tracking.events", own_user="crm-tracking", dead_letter_exchange="crm.dlx",
                         user_prefix="crm-" if strict else None, region_links=LINKS)


@pytest.mark.parametrize("strict", [True, False])
def test_a_branch_event_is_believed_only_for_its_region_and_through_its_link(strict):
    trust = head_office(strict)
    assert trust.refusal(event("cn-south"), "crm-link-cn-south") is None
    assert "names region 'cn-east'" in trust.refusal(event("cn-east"), "crm-link-cn-south")
    assert "did not come through its link" in trust.refusal(event("cn-south"), "crm-customer")
    assert "did not come through its link" in trust.refusal(event("cn-south"), None)
    # the producer must still own the type
    assert "untrusted producer" in trust.refusal(event("cn-south", producer="sales"), "crm-link-cn-south")


def test_head_offices_own_events_keep_the_producer_rule():
    trust = head_office()
    assert trust.refusal(event("hq"), "crm-customer") is None
    assert "not by 'crm-customer'" in trust.refusal(event("hq"), "crm-x")


def test_only_the_region_consumers_of_head_office_bind_the_regions_exchange(monkeypatch):
    monkeypatch.setenv("CRM_REGION_LINKS", "cn-south=crm-link-cn-south")
    tracking = settings_for("tracking", database_url="postgresql+psycopg://x/y")
    sales = settings_for("sales", database_url="postgresql+psycopg://x/y")
    assert tracking.region_links == LINKS and tracking.receives_regions and not sales.receives_regions
    assert ("crm.regions", "tracking.events", "#") in consumer_topology(tracking, "tracking.events", ["#"]).bindings
    assert all(b[0] != "crm.regions" for b in consumer_topology(sales, "sales.events", ["customer.#"]).bindings)
    assert ProducerTrust.from_settings(tracking).region_links == LINKS
    assert ProducerTrust.from_settings(sales).region_links == ()
    branch = dataclasses.replace(tracking, region_links=())
    assert all(b[0] != "crm.regions" for b in consumer_topology(branch, "tracking.events", ["#"]).bindings)


def test_parse_region_links():
    assert parse_region_links("cn-south=u1, cn-north = u2") == (("cn-south", "u1"), ("cn-north", "u2"))
    with pytest.raises(ValueError):
        parse_region_links("cn-south")


def test_the_shovel_confirms_and_stamps_the_link_user():
    link = BranchLink("cn-south", "crm-link-cn-south", "p@ss/word", "amqp://127.0.0.1:5672/crm-cn-south",
                      "amqp://hq.example:5672/crm-hq")
    shovel = link.shovel()
    assert shovel["ack-mode"] == "on-confirm"
    assert shovel["src-queue"] == "crm.to-head-office" and shovel["dest-exchange"] == "crm.regions"
    assert shovel["dest-publish-properties"]["user_id"] == "crm-link-cn-south"
    assert shovel["src-uri"] == "amqp://crm-link-cn-south:p%40ss%2Fword@127.0.0.1:5672/crm-cn-south"
    assert shovel["dest-uri"] == "amqp://crm-link-cn-south:p%40ss%2Fword@hq.example:5672/crm-hq"
    doc = link.definitions()
    assert doc["bindings"][0]["routing_key"] == "#" and doc["bindings"][0]["source"] == "crm.events"
    assert doc["queues"][0]["durable"] and doc["queues"][0]["arguments"] == {"x-queue-type": "quorum"}
    assert doc["permissions"] == [{"user": "crm-link-cn-south", "vhost": "crm-cn-south", "configure": "^$",
                                   "write": "^$", "read": r"^crm\.to\-head\-office$"}]
    assert doc["parameters"][0]["component"] == "shovel"
    assert "parameters" not in link.definitions(with_shovel=False)
    assert "p@ss" not in str(doc["users"])  # only the hash


def test_head_office_lets_a_link_write_the_regions_exchange_only(monkeypatch):
    monkeypatch.setenv("CRM_LINK_PASSWORD_CN_SOUTH", "secret")
    doc = head_office_definitions("crm-hq", LINKS, "crm.regions")
    assert doc["permissions"] == [{"user": "crm-link-cn-south", "vhost": "crm-hq", "configure": "^$",
                                   "write": r"^crm\.regions$", "read": "^$"}]
    monkeypatch.delenv("CRM_LINK_PASSWORD_CN_SOUTH")
    with pytest.raises(SystemExit):
        head_office_definitions("crm-hq", LINKS, "crm.regions")
