"""Every process of the whole suite serves metrics that parse, and they move when a
request through the gateway causes work: the gateway and the customer API count it by
route, the customer relay publishes the event, every consumer that hears it counts it."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.testing.fixtures import eventually

ROOT = Path(__file__).resolve().parents[2]


def scrape(suite, process: str) -> dict[tuple[str, frozenset], float]:
    text = requests.get(f"http://127.0.0.1:{suite.metrics_ports[process]}/metrics", timeout=10).text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def total(samples, name: str, **labels: str) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


def test_every_process_serves_metrics_that_move_with_the_work(suite, admin):
    names = [name for name, _ in suite.procs]
    procfile = {line.split(":", 1)[0] for line in (ROOT / "deploy" / "Procfile").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    assert set(names) == procfile == set(suite.metrics_ports)  # every process of make run
    for name in names:  # each parses, and says which process it is
        samples = scrape(suite, name)
        service = name.split("_", 1)[0]
        kind = "api" if name == "gateway" else name.rsplit("_", 1)[1]
        assert total(samples, "crm_process_info", service=service, kind=kind) >= 1, name

    gateway_before = total(scrape(suite, "gateway"), "crm_http_requests_total", route="/api/v1/customers/*",
                           method="POST", status="201")
    published_before = total(scrape(suite, "customer_relay"), "crm_relay_published_total")
    r = admin.post("/customers", json={"name": f"指标客户{uuid.uuid4().hex[:6]}"})
    assert r.status_code == 201, r.text

    assert total(scrape(suite, "gateway"), "crm_http_requests_total", route="/api/v1/customers/*",
                 method="POST", status="201") == gateway_before + 1
    assert total(scrape(suite, "customer_api"), "crm_http_requests_total", route="/customers", method="POST",
                 status="201") >= 1
    eventually(lambda: total(scrape(suite, "customer_relay"), "crm_relay_published_total") > published_before,
               timeout=30)
    for consumer in ("tracking_consumer", "sales_consumer", "billing_consumer"):
        eventually(lambda c=consumer: total(scrape(suite, c), "crm_consumer_messages_total",
                                            event_type="customer.customer.created", outcome="handled") >= 1,
                   timeout=30)
