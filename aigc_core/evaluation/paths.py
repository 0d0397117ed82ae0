"""Field paths into an output, as problems name fields: ``seo.title``, ``headlines[2]``, and
``headlines[*]`` for every item of a list.

>>> select({"headlines": ["Tides rise", "Sea walls"]}, "headlines[*]")
[('headlines[0]', 'Tides rise'), ('headlines[1]', 'Sea walls')]
>>> flatten({"cards": [{"front": "Q", "back": "A"}]})
'Q\\nA'
"""

from __future__ import annotations

import re
from typing import Any

#: One step of a path: a key (``seo``), an index (``[2]``) or every item (``[*]``).
_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+|\*)\]")


class PathError(ValueError):
    """A path that does not parse, or that names nothing in the value."""


def steps(path: str) -> list[str | int]:
    """``"cards[*].front"`` -> ``["cards", "*", "front"]`` (indices as ints)."""
    found: list[str | int] = []
    position = 0
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None or match.end() == position:
            raise PathError(f"{path!r} is not a field path (e.g. seo.title, headlines[*])")
        key, index = match.groups()
        found.append(key if key is not None else (index if index == "*" else int(index)))
        position = match.end()
    return found


def select(value: Any, path: str) -> list[tuple[str, Any]]:
    """Every ``(concrete path, value)`` that ``path`` names in ``value``; ``""`` is the value
    itself. Raises ``PathError`` when a step names nothing (a missing key, an index past the
    end, ``[*]`` on something that is not a list)."""
    found: list[tuple[str, Any]] = [("", value)]
    for step in steps(path):
        found = [item for where, current in found for item in _step(where, current, step)]
    return found


def _step(where: str, current: Any, step: str | int) -> list[tuple[str, Any]]:
    if step == "*":
        if not isinstance(current, list):
            raise PathError(f"{where or 'the output'} is not a list")
        return [(f"{where}[{i}]", item) for i, item in enumerate(current)]
    if isinstance(step, int):
        if not isinstance(current, list) or step >= len(current):
            raise PathError(f"{where or 'the output'} has no item [{step}]")
        return [(f"{where}[{step}]", current[step])]
    if not isinstance(current, dict) or step not in current:
        raise PathError(f"{where or 'the output'} has no field {step!r}")
    return [(f"{where}.{step}" if where else step, current[step])]


def flatten(value: Any) -> str:
    """Every string (and number) in ``value``, in order, one per line: what a person reads."""
    if isinstance(value, dict):
        return "\n".join(filter(None, (flatten(item) for item in value.values())))
    if isinstance(value, list):
        return "\n".join(filter(None, (flatten(item) for item in value)))
    return "" if value is None or isinstance(value, bool) else str(value)
