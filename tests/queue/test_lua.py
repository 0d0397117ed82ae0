"""The workers' Redis scripts as Redis runs them: each file whole, with the helper functions it
includes in its header, and each one compiles in a real Redis."""

from __future__ import annotations

from importlib import resources

import pytest
from redis import Redis

from aigc_workers import lua

pytestmark = pytest.mark.e2e

FILES = sorted(path.name for path in resources.files(lua).iterdir() if path.name.endswith(".lua"))
HELPERS = {"celery_result.lua", "server_time.lua", "take_slot.lua"}
SCRIPTS = sorted(name.removesuffix(".lua") for name in FILES if name not in HELPERS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_script_compiles_in_redis(redis: Redis, name: str):
    sha = redis.script_load(lua.source(name))
    assert redis.script_exists(sha) == [True]


def test_each_helper_is_included_and_defines_only_local_functions():
    included = {helper for name in SCRIPTS for helper in HELPERS
                if f"-- include: {helper}" in lua.source(name)}
    assert included == HELPERS
    for helper in HELPERS:
        code = [line for line in (resources.files(lua) / helper).read_text().splitlines()
                if line and not line.startswith((" ", "--", "end"))]
        assert all(line.startswith("local function ") for line in code), (helper, code)


def test_a_script_is_the_file_as_written_below_its_helpers():
    source = lua.source("finish_job")
    file = (resources.files(lua) / "finish_job.lua").read_text()
    assert source.endswith(file)
    assert source.startswith((resources.files(lua) / "celery_result.lua").read_text())
