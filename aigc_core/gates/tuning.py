"""A gate's settings: its defaults, overridden by the operator's ``[gates.<name>]`` table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from .base import GateView


def tuned(view: GateView, gate: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults`` updated with the operator's settings of ``gate``; a key the gate does not
    have is refused, so that a misspelt threshold fails loudly instead of doing nothing."""
    given = view.settings.of(gate)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ConfigError(f"gates.{gate}: unknown setting(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(defaults))}")
    return {**defaults, **given}
