"""Input fields the news generators share."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

Tone = Annotated[
    Literal["neutral", "formal", "conversational", "urgent", "upbeat"],
    Field(description="The register of the copy."),
]

Language = Annotated[
    str,
    Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
          description="BCP 47 tag of the language to write in, e.g. 'en', 'de', 'pt-BR'."),
]
