"""Where ``aigc eval --runner NAME`` finds its runner: ``inline`` is the core's own; the rest
come through the ``register_eval_runners`` hook, from command packages (``aigc_workers``
registers ``queue``, the worker fleet) and from the plugins this command line loads, found as
``commands.py`` finds commands. So the core runs an eval through the fleet without importing
``aigc_workers`` (docs/architecture.md: aigc_core imports nothing outside itself).

>>> factory = eval_runner(ctx, "queue")
>>> runner = factory(obj.engine.settings)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..errors import ConfigError
from .commands import call_each, command_packages
from .common import session

#: The runner the core has itself, with no hook.
INLINE = "inline"


def eval_runners(ctx: click.Context) -> dict[str, Callable[..., Any]]:
    """Every registered runner factory by name; the first to register a name keeps it."""
    found: dict[str, Callable[..., Any]] = {}

    def register(name: str, factory: Callable[..., Any]) -> None:
        found.setdefault(name, factory)

    for pm in (command_packages(), session(ctx).engine.host.pm):
        for _ in call_each(pm, "register_eval_runners", lambda plugin: {"register": register},
                           lost="its eval runners"):
            pass
    return found


def eval_runner(ctx: click.Context, name: str) -> Callable[..., Any]:
    """The factory registered as ``name``; ``ConfigError`` naming those there are if none."""
    found = eval_runners(ctx)
    if name not in found:
        raise ConfigError(f"no eval runner named {name!r}; runners: "
                          f"{', '.join([INLINE, *sorted(found)])}")
    return found[name]
