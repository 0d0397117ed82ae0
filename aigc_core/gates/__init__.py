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

from typing import TYPE_CHECKING, Any

from .base import GateExemption, GateView, ProseField
from .prose import prose_fields, strings
from .settings import GateSettings

if TYPE_CHECKING:  # what __getattr__ gives, for type checkers and editors
    from .runner import GATES, run_gates


def __getattr__(name: str) -> Any:
    # ``GATES`` and ``run_gates`` load the gates' modules on first use: they compile about
    # 40 ms of regular expressions, which a process that never gates (a one-shot command,
    # the queue's client, the gateway) would otherwise pay on start.
    if name in ("GATES", "run_gates"):
        from . import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["GATES", "GateExemption", "GateSettings", "GateView", "ProseField", "prose_fields",
           "run_gates", "strings"]
