"""What every ``aigc`` command shares: the lazily built engine and error reporting."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from ..errors import AigcError


class Ctx:
    """One command line's state (``ctx.obj``): the config file it names and the engine built
    from it once, on first use, so that a command that needs no engine loads no plugins."""

    def __init__(self, config: str | None):
        self.config = config
        self.record: bool | None = None  # record inline runs in the ledger (None: ledger.log)
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            from ..engine import Engine

            self._engine = Engine.from_config(self.config, record=self.record)
        return self._engine


def session(ctx: click.Context) -> Ctx:
    """The command line's ``Ctx``, made on first use with its ``--config`` and ``--verbose``.

    Made here rather than in the group's callback: a plugin's command is looked up (with the
    engine its plugins come from) before click runs that callback.
    """
    root = ctx.find_root()
    if not isinstance(root.obj, Ctx):
        logging.basicConfig(level=logging.INFO if root.params.get("verbose") else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s")
        root.obj = Ctx(root.params.get("config"))
    return root.obj


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Show an aigc error as one clear message and exit 2, without a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AigcError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper
