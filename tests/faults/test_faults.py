"""Every fault the suite must ride out, one case each, under a steady mixed load: the
figures of each are printed (run with -s) and kept in var/faults/results.jsonl."""

from __future__ import annotations

import pytest

from shared.config import SERVICES
from tests.faults import cases
from tests.faults.conftest import SHARED_SERVERS

pytestmark = pytest.mark.e2e

CASES = {
    "kill -9 sales API worker": cases.kill_api_worker("sales_api"),
    "kill -9 gateway": cases.kill("gateway"),
    "kill -9 gateway relay": cases.kill("gateway_relay"),
    **{f"kill -9 {s} relay": cases.kill(f"{s}_relay") for s in SERVICES},
    **{f"kill -9 {s} consumer": cases.kill(f"{s}_consumer") for s in SERVICES},
    "kill -9 import worker": cases.kill_import_worker(),
    "PostgreSQL gone 8 s": cases.cut_database(),
    "broker gone 8 s (all)": cases.cut_broker(),
    "sales cut from broker 8 s": cases.cut_broker("sales"),
    "poison message": cases.poison_message,
    "slow inventory consumer": cases.slow_consumer("inventory_consumer"),
}
OPT_IN = {
    "PostgreSQL restarted": cases.restart_postgresql,
    "RabbitMQ restarted": cases.restart_rabbitmq,
}


@pytest.mark.parametrize("name", list(CASES))
def test_fault(faulty, admin, name):
    figures = cases.run_case(faulty, admin, name, CASES[name])
    assert not figures.problems, "\n".join(figures.problems)


@pytest.mark.skipif(not SHARED_SERVERS, reason="restarts the shared servers: CRM_FAULTS_RESTART_SERVERS=1")
@pytest.mark.parametrize("name", list(OPT_IN))
def test_server_restart(faulty, admin, name):
    figures = cases.run_case(faulty, admin, name, OPT_IN[name])
    assert not figures.problems, "\n".join(figures.problems)
