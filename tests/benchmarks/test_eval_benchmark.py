"""The eval-through-the-fleet benchmark runs at one small concurrency and reports what its
table shows (not a timed test): B, F and E each ran every job of the same work on real
workers and the simulated server, and E went through the dataset, the queue runner and the
written report."""

from __future__ import annotations

import pytest

from benchmarks import eval_fleet
from benchmarks.context import Context
from benchmarks.fleet import Fleet

pytestmark = pytest.mark.timeout(300)


def test_a_small_run_measures_b_f_and_e_on_the_same_work(fleet: Fleet):
    report = eval_fleet.run(Context(fleet, time_scale=0.1), levels=(4,))
    [row] = report.rows
    assert row["C"] == 4 and row["jobs"] == eval_fleet.MIN_JOBS
    assert not [note for note in report.notes if note.startswith("C=")], report.notes
    for side in ("B", "F", "E"):
        assert row[f"{side} tok/s"] > 0, row
    assert row["E/B"] == pytest.approx(row["E tok/s"] / row["B tok/s"])
    assert 0 < row["E report s"] < 30
    assert [target.name for target in report.targets] == ["E/B at C=4"]
