"""What a gate sees of one output, and how a generator exempts a field from a gate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .settings import GateSettings


@dataclass(frozen=True)
class ProseField:
    """One field of an output written in words: its path (``body[2]``, ``""`` for a text
    output) and its text."""

    path: str
    text: str


@dataclass(frozen=True)
class GateView:
    """An output as the gates see it.

    >>> view = GateView(fields=[ProseField("summary", "Tides rise twice a day.")],
    ...                 prompt="Summarise the text. Language: en.", input_texts=["..."],
    ...                 language="en", settings=GateSettings())
    """

    fields: list[ProseField]
    """The output's prose fields (``prose_fields``), minus those exempted from this gate."""
    prompt: str
    """The rendered messages (system and user) the model was given, joined."""
    input_texts: list[str]
    """Every string value of the job's input: what the output may legitimately repeat."""
    language: str | None
    """The language the output must be in (a BCP 47 tag), if the input asks for one."""
    settings: GateSettings
    """The operator's thresholds."""
    data: Any = None
    """The validated input (the generator's input model), for gates that need more."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GateExemption:
    """Turn ``gate`` off for the fields matching ``field`` (a path pattern: ``chorus``,
    ``verses[*]``, ``*`` for all), for a reason a reviewer can read.

    >>> GateExemption("repetition", "chorus", "a song's refrain repeats by design")
    """

    gate: str
    field: str
    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError(f"exempting {self.field!r} from gate {self.gate!r} needs a reason")
