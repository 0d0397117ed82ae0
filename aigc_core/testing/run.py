"""Run generators on scripted model answers: the whole engine (input validation, templates,
hooks, parsing, validators, repairs), with no model."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..config import load_settings
from ..engine import Engine
from ..generator import Generator
from ..jobs import Result
from ..plugins import KEPT_ON
from .backend import Answer, ScriptedBackend, plugin_module, scripted


def scripted_engine(*generators: Generator, plugins: dict[str, ModuleType] | None = None,
                    hooks: dict[str, Callable] | None = None, **settings: Any) -> Engine:
    """An engine whose default model is ``ScriptedBackend`` and whose plugins are ``generators``,
    ``hooks`` (``{hook name: function}``) and the ``plugins`` modules, not the installed ones.
    ``settings`` are ``Settings`` fields (``template_dirs``, ``plugin_settings``, ...).

    >>> engine = scripted_engine(plugins={"hello": aigc_hello})
    >>> scripted(["Hello, Ada!"])
    >>> engine.run(engine.make_job("hello.greeting", {"name": "Ada"})).text
    'Hello, Ada!'
    """
    settings.setdefault("models", {"default": {"backend": ScriptedBackend.kind}})
    settings.setdefault("enable_plugins", [])  # installed plugins stay out of the test
    # An enable list leaves the labels plugin on (plugins.KEPT_ON): a test keeps it out by
    # name, unless it enables it.
    kept_on = sorted(KEPT_ON - set(settings["enable_plugins"]))
    if kept_on:
        settings["disable_plugins"] = [*settings.get("disable_plugins", []), *kept_on]
    settings.setdefault("template_dirs", [])   # and so do the developer's template overrides
    modules = {**(plugins or {}), "test_plugin": plugin_module(*generators, extra_hooks=hooks)}
    return Engine(load_settings(**settings), plugins=modules)


def run_generator(generator: Generator | str, input: dict[str, Any], answers: list[Answer], *,
                  plugins: dict[str, ModuleType] | None = None,
                  hooks: dict[str, Callable] | None = None, **settings: Any) -> Result:
    """Run one job of ``generator`` (a ``Generator``, or the name of one that ``plugins``
    register) on ``input``, the model answering with ``answers`` in turn, one per attempt.

    Raises ``InvalidInput`` (with ``.problems``) for a bad input, like ``Engine.make_job``;
    otherwise returns the ``Result``, failed ones included. Answers the job did not use are
    dropped afterwards, so none leaks into the next test; the requests the engine sent stay in
    ``ScriptedBackend.requests``.

    >>> result = run_generator(GREETING, {"name": "Ada"}, ["Hi!", "Hello, Ada!"])
    >>> result.ok, result.text, result.provenance.rejected_answers
    (True, 'Hello, Ada!', ['Hi!'])
    """
    own = (generator,) if isinstance(generator, Generator) else ()
    name = generator.name if isinstance(generator, Generator) else generator
    engine = scripted_engine(*own, plugins=plugins, hooks=hooks, **settings)
    job = engine.make_job(name, input)
    scripted(answers)
    try:
        return engine.run(job)
    finally:
        ScriptedBackend.script = []
