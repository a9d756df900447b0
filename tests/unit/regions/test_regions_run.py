"""`make run-regions`'s plan (deploy/regions_run.py): two instances apart in everything."""

from __future__ import annotations

import re

from deploy.regions_run import PROCFILE, instances, procfile, shift


def test_shift_moves_service_and_metrics_ports_only():
    line = "CRM_METRICS_PORT=9210 x --bind 127.0.0.1:8101 'services.customer.bootstrap:create_app()'"
    assert shift(line, 100, 1000) == "CRM_METRICS_PORT=10210 x --bind 127.0.0.1:8201 'services.customer.bootstrap:create_app()'"


def test_the_two_instances_share_no_port_database_user_or_vhost():
    hq, branch = instances()
    assert (hq.region, hq.gateway_port, branch.region, branch.gateway_port) == ("hq", 8080, "cn-south", 8180)
    text = procfile(PROCFILE.read_text(), [hq, branch])
    lines = text.splitlines()
    assert len(lines) == 2 * len([x for x in PROCFILE.read_text().splitlines() if ":" in x])
    ports: dict[str, list[int]] = {"hq": [], "cn_south": []}
    for line in lines:
        prefix = "cn_south" if line.startswith("cn_south_") else "hq"
        ports[prefix] += [int(p) for p in re.findall(r"CRM_METRICS_PORT=(\d+)|--bind 127\.0\.0\.1:(\d+)", line)
                          for p in p if p]
        ports[prefix] += [int(m) for m in re.findall(r"GATEWAY_PORT=(\d+)", line)]
    assert not set(ports["hq"]) & set(ports["cn_south"])
    # the branch's metrics stay clear of head office's sales replicas (+100 each, up to 8)
    assert min(p for p in ports["cn_south"] if p >= 9000) > 9252 + 700
    assert {8101, 8105, 8080} <= set(ports["hq"]) and {8201, 8205, 8180} <= set(ports["cn_south"])
    for key in ("REGION", "CRM_DB_PREFIX", "CRM_BROKER_USER_PREFIX", "CRM_RABBITMQ_VHOST", "CRM_RUN_DIR"):
        assert hq.env()[key] != branch.env()[key]
    assert hq.env()["CRM_REGION_LINKS"] == "cn-south=crm-link-cn-south"
    assert branch.env()["CRM_HEAD_OFFICE_AMQP_URL"].endswith("/crm-hq")


def test_the_branch_has_its_own_tokens_and_internal_secret():
    hq, branch = instances()
    text = procfile(PROCFILE.read_text(), [hq, branch])
    for line in text.splitlines():
        if line.startswith("cn_south_"):
            assert 'CRM_JWT_KEYS="$CRM_CN_SOUTH_JWT_KEYS"' in line
            assert 'CRM_INTERNAL_SECRET="$CRM_CN_SOUTH_INTERNAL_SECRET"' in line
        else:
            assert "CRM_JWT_KEYS" not in line and "CRM_INTERNAL_SECRET" not in line
    assert "CRM_CN_SOUTH_JWT_KEYS" in __import__("deploy.secrets", fromlist=["GENERATORS"]).GENERATORS
