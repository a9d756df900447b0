"""Head office and a branch on the local broker, linked by the shovel (shared.testing.regions)."""

from __future__ import annotations

import pytest

from shared.testing.regions import linked_regions


@pytest.fixture
def two_regions(scratch_db):
    with linked_regions(scratch_db) as regions:
        yield regions
