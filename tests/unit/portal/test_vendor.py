"""The vendored front-end libraries are exactly what the lockfile pins: `npm ci` and
vendor.mjs reproduce static/vendor/ byte for byte (skipped without node/npm), and every
vendored file matches the checksum recorded in VERSIONS.json."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.portal import DEFAULT_DIR

PORTAL = DEFAULT_DIR.parent
VENDOR = DEFAULT_DIR / "vendor"


def test_vendored_files_match_their_recorded_versions():
    manifest = json.loads((VENDOR / "VERSIONS.json").read_text())
    lock = json.loads((PORTAL / "package-lock.json").read_text())
    pinned = json.loads((PORTAL / "package.json").read_text())["dependencies"]
    for name, entry in manifest.items():
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert digest == entry["sha256"], name
        assert entry["version"] == pinned[entry["package"]] == lock["packages"][f"node_modules/{entry['package']}"]["version"]


@pytest.mark.skipif(not (shutil.which("npm") and shutil.which("node")), reason="needs node and npm")
def test_a_clean_install_reproduces_the_vendored_files(tmp_path: Path):
    work = tmp_path / "portal"
    work.mkdir()
    for name in ("package.json", "package-lock.json", "vendor.mjs"):
        shutil.copy(PORTAL / name, work / name)
    subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=work,
                   check=True, timeout=300, capture_output=True)
    out = tmp_path / "vendor"
    subprocess.run(["node", "vendor.mjs", str(out)], cwd=work, check=True, timeout=60, capture_output=True)
    built = sorted(p.name for p in out.iterdir())
    assert built == sorted(p.name for p in VENDOR.iterdir())
    for name in built:
        assert (out / name).read_bytes() == (VENDOR / name).read_bytes(), f"{name} differs from a fresh build"
