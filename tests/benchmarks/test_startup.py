"""The start-up benchmark's probe runs and reports what the table shows (not a timed test)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import startup
from benchmarks.fleet import plugin_site
from tests.queue.conftest import running_redis


def test_the_probe_times_a_cold_and_a_warm_submit(tmp_path: Path):
    (tmp_path / "redis").mkdir()
    with running_redis(tmp_path / "redis") as redis:
        env = startup.environment(redis.url, plugin_site(tmp_path / "site"))
        generator, fields = startup.JOBS[0]
        timings = startup.probe(generator, fields, env, tmp_path)
    assert set(timings) == {"client", "first", "next"}
    (first_wall, first_cpu), (next_wall, next_cpu) = timings["first"], timings["next"]
    assert 0 < next_wall < first_wall and 0 <= next_cpu < first_cpu
