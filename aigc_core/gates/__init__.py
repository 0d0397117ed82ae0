"""Content gates: checks that keep degenerate copy from ever being called ``succeeded``.

A plugin's validators check its format; gates check that the text is copy a person could use.
The engine runs every gate on every prose field of every output (and on text outputs), after
the generator's validators, and their problems feed the same repair loop. They are on by
default for every generator, built-in or third-party.

- A generator exempts one field from one gate, with a stated reason:
  ``Generator(gate_exemptions=(GateExemption("repetition", "chorus", "a refrain repeats"),))``.
- An operator tunes thresholds or turns a gate off in the ``[gates]`` table of aigc.toml
  (``GateSettings``).

Each gate is a module of this package with one function ``check(view) -> list[Problem]``,
listed in ``GATES``; ``run_gates`` is what the engine calls.
"""

from __future__ import annotations

from .base import GateExemption, GateView, ProseField
from .prose import prose_fields, strings
from .runner import GATES, run_gates
from .settings import GateSettings

__all__ = ["GATES", "GateExemption", "GateSettings", "GateView", "ProseField", "prose_fields",
           "run_gates", "strings"]
