"""The flashcards' input and output models, shared by ``flashcards.py`` (which checks and
registers the generator) and the Anki exporter."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .common import GradeLevel, Language, ReadabilityTolerance, line

MAX_CARDS = 20

FRONT, BACK = (2, 150), (1, 300)
Front = line(*FRONT)
Back = line(*BACK)


class FlashcardInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_text: str = Field(min_length=50, max_length=4000,
                             description="The text the cards are drawn from.")
    count: int = Field(10, ge=1, le=MAX_CARDS, description="Number of cards.")
    grade_level: GradeLevel = 8
    language: Language = "en"
    readability_tolerance: ReadabilityTolerance = 3.0


class Card(BaseModel):
    model_config = ConfigDict(extra="forbid")

    front: Front = Field(description="A question or a term, answered by the back.")
    back: Back = Field(description="The answer or definition, from the source text.")


class Flashcards(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cards: list[Card] = Field(min_length=1, max_length=MAX_CARDS)
