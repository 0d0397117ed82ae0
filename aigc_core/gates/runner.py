"""The gates by name, and running them on an output."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from ..problems import Problem
from . import cutoff, echo, language, names, refusal, repetition, vocabulary
from .base import GateExemption, GateView

Gate = Callable[[GateView], list[Problem]]

#: Every gate, by name (each a module of this package). Order is the order problems appear.
GATES: dict[str, Gate] = {
    "refusal": refusal.check,
    "repetition": repetition.check,
    "prompt_echo": echo.check,
    "cut_off": cutoff.check,
    "language": language.check,
    "vocabulary": vocabulary.check,
    "names": names.check,
}


def _pattern(field: str) -> re.Pattern[str]:
    """``verses[*]`` matches ``verses[3]``; ``*`` any path; everything else literally."""
    escaped = re.escape(field).replace(r"\[\*\]", r"\[\d+\]").replace(r"\*", ".*")
    return re.compile(escaped)


def _exempt(path: str, gate: str, exemptions: Iterable[GateExemption]) -> bool:
    return any(_pattern(e.field).fullmatch(path) for e in exemptions if e.gate == gate)


def run_gates(view: GateView, exemptions: Iterable[GateExemption] = ()) -> list[Problem]:
    """Every gate that is on, each on the fields not exempted from it."""
    exemptions = tuple(exemptions)
    problems: list[Problem] = []
    for name, gate in GATES.items():
        if name in view.settings.off:
            continue
        fields = [f for f in view.fields if not _exempt(f.path, name, exemptions)]
        if fields:
            problems.extend(gate(replace(view, fields=fields)))
    return problems
