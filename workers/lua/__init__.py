"""The Redis scripts of workers: one ``.lua`` file each, in this folder, read with
importlib.resources (so they ship in the wheel, listed in pyproject's package-data).

Each script is one whole file that Redis runs as it is written, except for the functions it
includes with header lines before its code::

    -- include: server_time.lua
    -- include: take_slot.lua

The loader prepends those files, in that order. Three rules are shared between scripts, and
each must not drift apart between its users, so each is its own file rather than a copy:

- ``take_slot.lua``, the fleet cap: the guard's before-call script takes a slot with it and
  ``renew_slot.lua`` extends one with it; a lease renewed by other rules than it was taken by
  would break the cap;
- ``celery_result.lua``, the result meta Celery's clients read (docs/jobs.md), written by
  ``finish_job.lua`` and ``cancel_job.lua``;
- ``ledger_outbox.lua``, the ledger's outbox entry, appended by every script that changes a
  job's state (``register_job``, ``begin_delivery``, ``finish_job``, ``cancel_job``);

plus ``server_time.lua``, the fleet's one clock, in every script that needs the time. An
included file only defines ``local function``s and includes nothing itself.

    finish = register(redis, "finish_job")     # a redis-py Script, run by EVALSHA
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from redis import Redis
from redis.commands.core import Script

_INCLUDE = re.compile(r"--\s*include:\s*(\S+\.lua)\s*")


def _read(file: str) -> str:
    return resources.files(__name__).joinpath(file).read_text(encoding="utf-8")


@functools.cache
def source(name: str) -> str:
    """The text Redis runs for the script ``name`` (``finish_job``: ``finish_job.lua``)."""
    text = _read(f"{name}.lua")
    helpers = []
    for line in text.splitlines():
        if not line.startswith("--"):
            break  # includes stand in the header, before any code
        if match := _INCLUDE.fullmatch(line):
            helper = _read(match[1])
            if _INCLUDE.search(helper):
                raise ValueError(f"{match[1]} (included by {name}.lua) includes another file")
            helpers.append(helper)
    return "\n".join([*helpers, text])


def register(redis: Redis, name: str) -> Script:
    """The script ``name`` on this client: run by hash, loaded into Redis when it is missing."""
    return redis.register_script(source(name))
