"""Generation options, and how defaults from several places combine."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class GenerationOptions(BaseModel):
    """Sampling and loop settings. Every field is optional so layers can be merged: engine
    defaults < model config < generator defaults < the job's own options.

    >>> GenerationOptions(temperature=0.2, max_tokens=400, seed=7)
    """

    model_config = ConfigDict(extra="forbid")

    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(None, ge=1, le=32768, description="Per model call.")
    seed: int | None = None
    frequency_penalty: float | None = Field(
        None, ge=-2.0, le=2.0, description="Penalise tokens by how often they appeared; "
        "small models repeat themselves without it.")
    presence_penalty: float | None = Field(None, ge=-2.0, le=2.0)
    stop: list[str] | None = None
    max_repairs: int | None = Field(
        None, ge=0, le=10, description="Repair attempts after the first answer fails validation."
    )
    token_budget: int | None = Field(
        None, ge=1, description="Completion tokens the job may spend across all attempts."
    )
    cache: bool | None = Field(
        None, description="Answer from the ledger's result cache if an identical job "
                          "succeeded before (true), never (false); unset: as ledger.cache "
                          "says (docs/ledger.md).")

    def merged(self, *overrides: GenerationOptions | None) -> GenerationOptions:
        """Return a copy where each later override's set fields win."""
        data = self.model_dump(exclude_none=True)
        for layer in overrides:
            if layer is not None:
                data.update(layer.model_dump(exclude_none=True))
        return GenerationOptions(**data)


ENGINE_DEFAULTS = GenerationOptions(
    temperature=0.2, top_p=0.95, max_tokens=768, seed=0, max_repairs=2, token_budget=4096
)
