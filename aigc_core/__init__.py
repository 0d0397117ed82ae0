"""aigc: plugin-based AI content automation.

Plugin authors need ``hookimpl``, ``Generator`` and ``Problem``; callers need ``Engine``, ``Job``
and ``Result``:

    from aigc_core import Engine

    engine = Engine.from_config()
    result = engine.run(engine.make_job("news.headlines", {"topic": "tides", "count": 3}))

The reference, module by module (``scripts/api-docs.sh`` builds it as HTML):

- ``aigc_core.generator``: ``Generator``, what a plugin registers.
- ``aigc_core.hookspecs``: the hooks, and what ``context`` (``aigc_core.context``) holds in each.
- ``aigc_core.problems``: ``Problem``, what validators return; ``aigc_core.checks``: ready ones.
- ``aigc_core.schemas``: output schemas for one input, which constrained decoding keeps to.
- ``aigc_core.testing``: run generators on scripted answers; check grammars.
- ``aigc_core.language``: ``LanguageTag``, for an input that names a language.
- ``aigc_core.lexicon``: which words a language has, and how common each is (wordfreq's lists).
- ``aigc_core.numbers``: numbers as any language writes them, read for what each may mean.
- ``aigc_core.relevance``: whether a text is about another (a word in common, one language).
- ``aigc_core.labelling``: the AI label, which exporters read and place.
- ``aigc_core.backends.base``: ``Backend``, ``CompletionRequest``, ``Completion``, ``ModelConfig``.
- ``aigc_core.options``, ``aigc_core.jobs``, ``aigc_core.errors``, ``aigc_core.engine``: sampling
  options; jobs and results; errors; the engine.
"""

from .context import JobContext
from .engine import Engine
from .errors import (
    AigcError,
    BackendError,
    ConfigError,
    InvalidInput,
    JobRejected,
    PluginError,
    TemplateError,
    UnknownGenerator,
    UnknownModel,
)
from .generator import Chunking, Generator
from .hookspecs import hookimpl
from .jobs import Job, Result
from .options import GenerationOptions
from .problems import Problem

__all__ = [
    "AigcError",
    "BackendError",
    "Chunking",
    "ConfigError",
    "Engine",
    "GenerationOptions",
    "Generator",
    "InvalidInput",
    "Job",
    "JobContext",
    "JobRejected",
    "PluginError",
    "Problem",
    "Result",
    "TemplateError",
    "UnknownGenerator",
    "UnknownModel",
    "hookimpl",
]
