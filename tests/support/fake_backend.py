"""A scripted backend for unit tests: answers come from a list, requests are recorded.

Registered through the public ``register_backends`` hook, like any third-party backend.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import ClassVar

from aigc_core import hookimpl
from aigc_core.backends.base import Completion, CompletionRequest, ModelConfig
from aigc_core.errors import BackendError
from aigc_core.jobs import Usage


class ScriptedBackend:
    kind = "scripted"
    model_id = "scripted-1"
    #: Each item is a str answer, an Exception to raise, or a callable(request) -> str.
    script: ClassVar[list[object]] = []
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


def scripted(answers: list[object]) -> None:
    ScriptedBackend.script = list(answers)
    ScriptedBackend.requests = []


def plugin_module(*generators, extra_hooks: dict[str, Callable] | None = None,
                  backend: bool = True) -> types.ModuleType:
    """A plugin module registering ``generators`` and (unless ``backend=False``) the scripted
    backend."""
    module = types.ModuleType("test_plugin")

    @hookimpl
    def register_generators(register):
        for generator in generators:
            register(generator)

    @hookimpl
    def register_backends(register):
        register("scripted", ScriptedBackend)

    module.register_generators = register_generators
    if backend:
        module.register_backends = register_backends
    for name, fn in (extra_hooks or {}).items():
        setattr(module, name, hookimpl(fn))
    return module
