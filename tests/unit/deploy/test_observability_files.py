"""deploy/observability/ stays true to the code (promtool is not on the machine): the
Prometheus config scrapes every CRM_METRICS_PORT of the Procfile in the job of its kind,
every alert and dashboard expression names metrics shared.metrics exports with labels they
have, and the alerts the operators were promised are there."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import Counter, Gauge, Histogram

from shared import metrics

ROOT = Path(__file__).resolve().parents[3]
OBS = ROOT / "deploy" / "observability"
BUILTIN = {"up": {"job", "instance", "component", "process"}}
PROMQL_WORDS = {"by", "without", "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "bool",
                "offset", "le", "inf"}


def exported() -> dict[str, set[str]]:
    """Every series name shared.metrics exports -> its label names."""
    out: dict[str, set[str]] = {}
    for value in vars(metrics).values():
        if not isinstance(value, (Counter, Gauge, Histogram)):
            continue
        name, labels = value._name, set(value._labelnames)
        if isinstance(value, Counter):
            out[f"{name}_total"] = labels
        elif isinstance(value, Histogram):
            for suffix in ("_bucket", "_count", "_sum"):
                out[name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
        else:
            out[name] = labels
    return out


def check_expression(expr: str) -> set[str]:
    """The metrics expr names; fails on a name or selector label that is not exported."""
    known = {**exported(), **BUILTIN}
    text = re.sub(r'"[^"]*"', '""', expr)  # label values are not names
    names = set(re.findall(r"\b(crm_[a-z0-9_]+|up)\b(?!\s*\()", text))
    assert names, f"no metric in {expr!r}"
    for name in names:
        assert name in known, f"{name} is not exported by shared.metrics ({expr!r})"
    for name, selector in re.findall(r"\b(crm_[a-z0-9_]+|up)\s*\{([^}]*)\}", expr):
        for label in re.findall(r"([a-z_]+)\s*(?:=~|!=|!~|=)", selector):
            assert label in known[name], f"{name} has no label {label!r} ({expr!r})"
    for group in re.findall(r"\bby\s*\(([^)]*)\)", text):
        for label in (g.strip() for g in group.split(",") if g.strip()):
            assert any(label in known[n] for n in names), f"no metric of {expr!r} has label {label!r}"
    return names


def procfile_ports() -> dict[str, tuple[str, int]]:
    out = {}
    for line in (ROOT / "deploy/Procfile").read_text().splitlines():
        name, command = line.split(":", 1)
        port = re.search(r"\bCRM_METRICS_PORT=(\d+)", command)
        assert port, f"{name} sets no CRM_METRICS_PORT"
        kind = "api" if name == "gateway" else name.rsplit("_", 1)[1]
        out[name] = (kind, int(port.group(1)))
    return out


def test_every_procfile_process_has_its_own_metrics_port():
    ports = [port for _kind, port in procfile_ports().values()]
    assert len(ports) == len(set(ports))


def test_prometheus_scrapes_every_process_in_the_job_of_its_kind():
    config = yaml.safe_load((OBS / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    targets: dict[str, set[str]] = {}
    for job in config["scrape_configs"]:
        for static in job["static_configs"]:
            targets.setdefault(job["job_name"], set()).update(static["targets"])
            assert {"component", "process"} <= set(static.get("labels", {}))
    for name, (kind, port) in procfile_ports().items():
        assert f"127.0.0.1:{port}" in targets[f"crm-{kind}"], name


def alert_rules() -> list[dict]:
    doc = yaml.safe_load((OBS / "alerts.yml").read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def test_alert_rules_are_well_formed_and_name_exported_metrics():
    rules = alert_rules()
    assert len({r["alert"] for r in rules}) == len(rules)
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}, rule
        assert rule["labels"]["severity"] in ("page", "warning")
        assert rule["annotations"]["summary"]
        if "for" in rule:
            assert re.fullmatch(r"\d+[smh]", rule["for"])
        check_expression(rule["expr"])
        assert rule["expr"].count("(") == rule["expr"].count(")")


def test_the_promised_alerts_are_there():
    exprs = {r["alert"]: r["expr"] for r in alert_rules()}
    assert "crm_outbox_oldest_pending_age_seconds" in exprs["CrmOutboxLag"] and "> 30" in exprs["CrmOutboxLag"]
    assert "deriv(crm_outbox_pending_events" in exprs["CrmOutboxBacklogGrowing"]
    assert 'crm_queue_messages{role="dlq"}' in exprs["CrmDeadLetterQueueNotEmpty"]
    assert 'up{job="crm-consumer"} == 0' in exprs["CrmConsumerDown"]
    assert 'status=~"5.."' in exprs["CrmHttp5xxRate"]
    assert "histogram_quantile(0.95" in exprs["CrmHttpLatencyP95"]


def test_dashboard_panels_name_exported_metrics():
    dashboard = json.loads((OBS / "grafana-dashboard.json").read_text())
    assert dashboard["uid"] and dashboard["title"]
    seen: set[str] = set()
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            seen |= check_expression(target["expr"])
    # the dashboard shows every family shared.metrics exports (by one of its series)
    families = {re.sub(r"_(total|bucket|count|sum)$", "", n) for n in exported()}
    shown = {re.sub(r"_(total|bucket|count|sum)$", "", n) for n in seen}
    missing = families - shown - {"crm_process_info", "crm_outbox_probe_errors", "crm_consumer_batch_fallbacks",
                                  "crm_relay_batch_seconds"}
    assert not missing, missing


@pytest.mark.parametrize("expr", ['rate(crm_no_such_metric_total[5m])', 'crm_queue_messages{rol="dlq"}',
                                  'sum by (servce) (crm_http_requests_total)'])
def test_the_check_catches_a_wrong_name_or_label(expr):
    with pytest.raises(AssertionError):
        check_expression(expr)


def test_a_taken_metrics_port_is_logged_not_fatal(monkeypatch, caplog):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("CRM_METRICS_PORT", str(taken.getsockname()[1]))
        assert metrics.serve_process("customer", "consumer") is None
    assert any("cannot serve metrics" in r.getMessage() for r in caplog.records)
