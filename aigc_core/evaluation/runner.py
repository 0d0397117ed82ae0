"""Who runs an eval's jobs: this process (``InlineRunner``), or a runner another package
registers through the ``register_eval_runners`` hook (``queue``: the worker fleet, from
``aigc_workers``; ``aigc eval`` finds it as ``aigc_core/cli/runners.py`` says, and the core
never imports that package).

A runner is made from the settings (``RunnerFactory``) and called with every job at once, so
a fleet can take them all in parallel; it calls ``progress(n)`` as jobs finish and returns one
``Result`` per job, in order (``None`` for a queued job cancelled before it finished).

>>> runner = InlineRunner(Engine.from_config())
>>> results = runner([(variant, job), ...], progress=lambda n: None)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from ..config import Settings
from ..engine import Engine
from ..jobs import Job, Result
from ..templates import TemplateStore
from .variants import Variant

Work = tuple[Variant, Job]
Progress = Callable[[int], None]


class Runner(Protocol):
    def __call__(self, work: Sequence[Work], progress: Progress) -> list[Result | None]: ...


RunnerFactory = Callable[[Settings], Runner]


class InlineRunner:
    """Runs jobs one after another in this process: one engine per template directory (the
    configured one for variants without), each built on first use.

    >>> InlineRunner(Engine.from_config())(work, progress=bar.update)
    """

    def __init__(self, engine: Engine):
        self._engines: dict[Path | None, Engine] = {None: engine}

    def __call__(self, work: Sequence[Work], progress: Progress) -> list[Result | None]:
        results: list[Result | None] = []
        for variant, job in work:
            results.append(self.engine(variant.templates).run(job))
            progress(1)
        return results

    def engine(self, templates: Path | None) -> Engine:
        """The engine whose operator templates are ``templates`` first, then the configured
        ones: a variant's directory needs to hold only the templates it changes."""
        if templates not in self._engines:
            base = self._engines[None]
            dirs = [templates, *base.settings.template_dirs]
            # A shallow copy with its own templates: the plugins and the backends (a loaded
            # model) are shared, so a variant differs from the configured engine in its
            # prompts alone, and an embedded model is loaded once.
            engine = copy.copy(base)
            engine.settings = base.settings.model_copy(update={"template_dirs": dirs})
            engine.templates = TemplateStore(dirs)
            self._engines[templates] = engine
        return self._engines[templates]

