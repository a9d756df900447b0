import os

pytest_plugins = ["shared.testing.fixtures"]

# The fault suite (tests/faults) runs under `make faults` only (CRM_FAULTS=1): minutes of
# load with processes killed and servers cut off; `make test` keeps one representative
# case (tests/e2e/test_faults_e2e.py).
collect_ignore = [] if os.environ.get("CRM_FAULTS") == "1" else ["faults"]

# Unit tests first (fast feedback), then integration, then end-to-end: the e2e suite is one
# session-scoped set of processes holding its own database connections, so it starts only
# after the integration tests are done instead of idling beside them. With `make run` up
# beside `make test` (about 24 connections at rest) the integration tests' peak would
# otherwise reach PostgreSQL's 100-connection limit.
_ORDER = ("tests/unit/", "tests/integration/", "tests/e2e/")


def _rank(item) -> int:
    path = item.nodeid.replace("\\", "/")
    return next((i for i, prefix in enumerate(_ORDER) if path.startswith(prefix)), len(_ORDER))


def pytest_collection_modifyitems(session, config, items) -> None:
    items.sort(key=_rank)  # stable: the order within each folder is kept
