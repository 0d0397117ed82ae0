"""Input fields the news generators share."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from aigc_core.language import LanguageTag

Tone = Annotated[
    Literal["neutral", "formal", "conversational", "urgent", "upbeat"],
    Field(description="The register of the copy."),
]

Language = Annotated[
    LanguageTag,
    Field(description="BCP 47 tag of the language to write in, e.g. 'en', 'de', 'pt-BR'."),
]
