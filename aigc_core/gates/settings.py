"""The ``[gates]`` settings: an operator's thresholds, and gates turned off fleet-wide.

    [gates]
    off = ["language"]                 # e.g. a model that writes a language no detector knows
    repetition = { max_sentence_repeats = 1 }
    language = { min_chars = 60 }
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class GateSettings(BaseModel):
    """Thresholds by gate name (each gate documents its own keys) and gates turned off."""

    model_config = ConfigDict(extra="allow")

    off: list[str] = Field(default_factory=list,
                           description="Gates turned off for every generator.")

    def of(self, gate: str) -> dict[str, Any]:
        """The operator's settings of one gate (``{}``: its defaults)."""
        value = (self.model_extra or {}).get(gate) or {}
        if not isinstance(value, dict):
            raise ValueError(f"gates.{gate} must be a table of settings, got {value!r}")
        return value
