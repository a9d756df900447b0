"""The portal's building blocks' own unit tests (gateway/portal/tests/*.test.mjs, node's test
runner) run inside `make test`."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from gateway.portal import DEFAULT_DIR


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
def test_node_unit_tests_pass():
    result = subprocess.run(["node", "--test", "tests/"], cwd=DEFAULT_DIR.parent, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
