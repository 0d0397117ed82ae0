"""Variants: what an eval compares, every model crossed with every template directory.

>>> [v.name for v in variants(["default", "qwen"], [None, Path("prompts/v2")])]
['default', 'default @ prompts/v2', 'qwen', 'qwen @ prompts/v2']
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel


class Variant(BaseModel):
    """One model with one template directory laid over the configured ones (``None``: the
    configured templates alone)."""

    model: str
    templates: Path | None = None

    @property
    def name(self) -> str:
        return self.model if self.templates is None else f"{self.model} @ {self.templates}"


def variants(models: list[str], templates: list[Path | None]) -> list[Variant]:
    """Every model with every template directory, models first, each in the order given."""
    return [Variant(model=model, templates=directory)
            for model in dict.fromkeys(models) for directory in dict.fromkeys(templates)]
