"""What hooks receive while a job runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from .backends.base import Message
from .config import Settings
from .generator import Generator
from .jobs import Job


@dataclass
class JobContext:
    """The engine's working state for one job, passed to the job hooks (``prepare_job``,
    ``prepare_messages``, ``validate_output``, ``after_generation``; see ``aigc_core.hookspecs``
    for what each may change).

    >>> @hookimpl
    ... def prepare_messages(context: JobContext):
    ...     if context.generator.name.startswith("news."):
    ...         context.messages[0].content += "\nNo speculation."
    """

    job: Job
    """The job: ``id``, ``generator``, ``input`` (a dict), ``model``, ``options``,
    ``metadata``. ``prepare_job`` may replace it."""
    generator: Generator
    """The generator that runs the job."""
    plugin: str
    """The name of the plugin that registered the generator."""
    data: BaseModel
    """The job's input, validated: an instance of the generator's ``input_model``."""
    settings: Settings
    """The engine's configuration."""
    messages: list[Message] = field(default_factory=list)
    """The chat messages for the model: empty in ``prepare_job``, the rendered templates from
    ``prepare_messages`` on, which may change or replace them."""

    def plugin_settings(self, plugin: str) -> dict[str, Any]:
        """The ``[plugin_settings.NAME]`` table of the configuration ({} when absent): a copy.

        >>> context.plugin_settings("brand").get("banned", [])
        ['Acme']
        """
        return dict(self.settings.plugin_settings.get(plugin, {}))
