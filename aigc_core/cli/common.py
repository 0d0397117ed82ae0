"""What every ``aigc`` command shares: the lazily built engine and error reporting."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from ..errors import AigcError


class Ctx:
    """Builds the engine once, on first use, so ``aigc --help`` never loads plugins."""

    def __init__(self, config: str | None):
        self.config = config
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            from ..engine import Engine

            self._engine = Engine.from_config(self.config)
        return self._engine


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
