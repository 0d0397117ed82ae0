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
    """The engine's working state for one job. Hooks may replace ``job`` (in ``prepare_job``)
    and ``messages`` (in ``prepare_messages``); ``data`` is the validated input model."""

    job: Job
    generator: Generator
    plugin: str
    data: BaseModel
    settings: Settings
    messages: list[Message] = field(default_factory=list)

    def plugin_settings(self, plugin: str) -> dict[str, Any]:
        """The ``[plugin_settings.NAME]`` table of the configuration ({} when absent)."""
        return dict(self.settings.plugin_settings.get(plugin, {}))
