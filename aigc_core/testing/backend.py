"""A scripted backend: answers come from a list, requests are recorded.

It registers through the public ``register_backends`` hook, like any third-party backend, under
the kind ``"scripted"``:

    >>> from aigc_core.testing import ScriptedBackend, plugin_module, scripted
    >>> module = plugin_module(my_generator)   # registers the generator and the backend
    >>> scripted(['{"title": "Tides"}', BackendError("busy", retryable=True)])
    >>> ...                                    # run jobs on a model with backend = "scripted"
    >>> ScriptedBackend.requests[0].messages   # what the engine sent
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import ClassVar

from ..backends.base import Completion, CompletionRequest, ModelConfig
from ..errors import BackendError
from ..generator import Generator
from ..hookspecs import hookimpl
from ..jobs import Usage

#: One scripted answer: the text the model writes, an exception the call raises (a
#: ``BackendError`` to test retries and failures), or ``fn(request) -> str`` for an answer
#: that depends on what was asked.
Answer = str | Exception | Callable[[CompletionRequest], str]


class ScriptedBackend:
    """Answers each call with the next item of ``ScriptedBackend.script`` and records a copy of
    each request in ``ScriptedBackend.requests``; an empty script fails the call
    (``BackendError("script exhausted")``), so a test sees every model call it did not expect.

    The script is shared by every instance (class attributes): set it with ``scripted`` or
    ``run_generator``, which clear it again. Usage reports 10 prompt tokens and one completion
    token per word.

    >>> scripted(["Hello, Ada!"])
    >>> ScriptedBackend(ModelConfig(name="default", backend="scripted")).complete(request).text
    'Hello, Ada!'
    """

    kind = "scripted"
    model_id = "scripted-1"
    script: ClassVar[list[Answer]] = []
    requests: ClassVar[list[CompletionRequest]] = []

    def __init__(self, config: ModelConfig):
        self.config = config

    def complete(self, request: CompletionRequest) -> Completion:
        ScriptedBackend.requests.append(request.model_copy(deep=True))
        if not ScriptedBackend.script:
            raise BackendError("script exhausted")
        item = ScriptedBackend.script.pop(0)
        if isinstance(item, Exception):
            raise item
        text = item(request) if callable(item) else str(item)
        return Completion(text=text, model_id=self.model_id,
                          usage=Usage(prompt_tokens=10, completion_tokens=len(text.split())),
                          finish_reason="stop")


def scripted(answers: list[Answer]) -> None:
    """Make ``answers`` the script of every ``ScriptedBackend`` and forget earlier requests.

    >>> scripted(['{"cards": []}', '{"cards": [{"front": "Q", "back": "A"}]}'])
    """
    ScriptedBackend.script = list(answers)
    ScriptedBackend.requests = []


def plugin_module(*generators: Generator, extra_hooks: dict[str, Callable] | None = None,
                  backend: bool = True) -> types.ModuleType:
    """A plugin module registering ``generators`` and (unless ``backend=False``) the scripted
    backend, plus ``extra_hooks`` given as ``{hook name: function}``.

    >>> module = plugin_module(my_generator, extra_hooks={"validate_output": no_acme})
    >>> Engine(settings, plugins={"test_plugin": module})
    """
    module = types.ModuleType("test_plugin")

    @hookimpl
    def register_generators(register):
        for generator in generators:
            register(generator)

    @hookimpl
    def register_backends(register):
        register(ScriptedBackend.kind, ScriptedBackend)

    module.register_generators = register_generators
    if backend:
        module.register_backends = register_backends
    for name, fn in (extra_hooks or {}).items():
        setattr(module, name, hookimpl(fn))
    return module
