"""What the benchmarks' tests share: a fleet of the benchmarks' own processes."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from benchmarks.fleet import Fleet


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (scripts/setup.sh installs it)")
    # Fleet puts the benchmark plugin's site on sys.path: only for this test.
    monkeypatch.setattr(sys, "path", [*sys.path])
    with Fleet(tmp_path) as made:
        yield made
