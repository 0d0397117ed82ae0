"""What a plugin registers: a generator, its models, templates, validators and exporters."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from .gates.base import GateExemption
from .options import GenerationOptions
from .problems import Problem

#: ``validator(output, data)``: ``output`` is the parsed output model (or ``str`` for text
#: generators), ``data`` the validated input model. Returns the problems found.
Validator = Callable[[Any, BaseModel], Iterable[Problem]]

#: ``finalize(output, data) -> output`` runs after parsing and before validation: fill fields
#: that code computes better than a model (a slug, the sources list), normalise whitespace.
Finalizer = Callable[[Any, BaseModel], Any]

#: ``output_schema(data) -> dict`` tightens the output JSON schema for one input (exact item
#: counts, lengths), so that constrained decoding enforces what validators would check.
SchemaFor = Callable[[BaseModel], dict[str, Any]]

#: ``exporter(output, data, result) -> str`` renders an output in a file format (GIFT, Anki,
#: ...). ``result`` is the whole ``Result``, so exporters can keep its explicit AI label
#: (read and placed with ``aigc_core.labelling``; the labels plugin puts it there).
Exporter = Callable[[Any, BaseModel, Any], str]

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class Chunking(Protocol):
    """Lets one job make several model calls, e.g. a long text translated in parts.

    ``split`` returns one input per model call (same input model, so templates and validators
    apply unchanged to each part); ``join`` assembles the parts' outputs, in order, into the
    job's output, which is then validated once more against the whole input.
    """

    def split(self, data: BaseModel) -> list[BaseModel]: ...

    def join(self, data: BaseModel, parts: list[Any]) -> Any: ...


@dataclass(frozen=True)
class Generator:
    """A named content generator.

    ``prompt`` and ``system`` are template names. They are looked up in the operator's template
    directories first, then in ``template_sources``, then in the ``templates/`` folder of the
    package ``templates_from`` (usually the plugin's ``__name__``). Template variables are the
    input model's fields; every variable is required.

    >>> class In(BaseModel):
    ...     topic: str
    >>> Generator(
    ...     name="demo.haiku", description="A haiku about a topic.", input_model=In,
    ...     prompt="demo/haiku.j2", template_sources={"demo/haiku.j2": "A haiku on {{ topic }}."},
    ... )
    """

    name: str
    """Dotted lower-case words, unique across all plugins: ``"news.article"``."""
    description: str
    """One line for ``aigc generators`` and the HTTP API's generator list."""
    input_model: type[BaseModel]
    """The pydantic model of the input, validated before anything runs; use
    ``extra="forbid"``. Every field is a template variable."""
    prompt: str
    """The name of the user message's template."""
    output_model: type[BaseModel] | None = None
    """The pydantic model of the output, or ``None`` for plain text. Its JSON schema drives
    constrained decoding unless ``output_schema`` gives one; ``Result.output`` is its dump."""
    system: str | None = None
    """The name of the system message's template, if any."""
    templates_from: str | None = None
    """A package whose ``templates/`` folder holds the templates: usually ``__name__``."""
    template_sources: Mapping[str, str] = field(default_factory=dict)
    """Templates given inline, ``{name: source}``."""
    options: GenerationOptions = field(default_factory=GenerationOptions)
    """Defaults over the engine's and the model's: a job's own options override them."""
    validators: tuple[Validator, ...] = ()
    """``fn(output, data) -> list[Problem]``: problems go back to the model for repair."""
    exporters: Mapping[str, Exporter] = field(default_factory=dict)
    """``{"gift": fn(output, data, result) -> str}``, for ``aigc generate --format gift``."""
    chunking: Chunking | None = None
    """Splits a job into several model calls and joins their outputs."""
    finalize: Finalizer | None = None
    """``fn(output, data) -> output``, after parsing and before validation."""
    output_schema: SchemaFor | None = None
    """``fn(data) -> dict``: the output JSON schema for one input, built with
    ``aigc_core.schemas``."""
    gate_exemptions: tuple[GateExemption, ...] = ()
    """Fields a content gate must not check, each with its reason (``aigc_core.gates``):
    ``(GateExemption("repetition", "chorus", "a refrain repeats by design"),)``."""
    output_language: Callable[[BaseModel], str | None] | None = None
    """``fn(data) -> tag``: the language the output must be written in, for the language
    gate. Default: the input's ``target_language`` or ``language`` field, if it has one."""

    def language_of(self, data: BaseModel) -> str | None:
        if self.output_language is not None:
            return self.output_language(data)
        found = getattr(data, "target_language", None) or getattr(data, "language", None)
        return found if isinstance(found, str) else None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(
                f"generator name {self.name!r} must be dotted lower-case words, e.g. 'news.article'"
            )
        if not (isinstance(self.input_model, type) and issubclass(self.input_model, BaseModel)):
            raise TypeError(f"{self.name}: input_model must be a pydantic BaseModel subclass")
        if self.output_model is not None and not issubclass(self.output_model, BaseModel):
            raise TypeError(f"{self.name}: output_model must be a pydantic BaseModel or None")

    @property
    def structured(self) -> bool:
        return self.output_model is not None

    def json_schema(self, data: BaseModel) -> dict[str, Any] | None:
        """The JSON schema the model's answer is constrained to for this input."""
        if self.output_model is None:
            return None
        if self.output_schema is not None:
            return self.output_schema(data)
        return self.output_model.model_json_schema()


@dataclass(frozen=True)
class RegisteredGenerator:
    """A generator together with the plugin that registered it (for provenance)."""

    generator: Generator
    plugin: str
    plugin_version: str
