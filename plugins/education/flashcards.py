"""``education.flashcards``: question/answer cards drawn from a source text.

The input and output models live in ``flashcard_models.py``, which the Anki exporter imports
too; this module holds the generator's schema, validators and registration."""

from __future__ import annotations

import re
from typing import Any

from aigc_core import GenerationOptions, Generator, Problem, schemas
from aigc_core.checks import distinct, restates

from . import export_anki, readability
from .common import keep_requested
from .flashcard_models import BACK, FRONT, FlashcardInput, Flashcards


def cards_schema(data: FlashcardInput) -> dict[str, Any]:
    """Exactly ``count`` cards of one-line texts, for constrained decoding."""
    card = schemas.obj(front=schemas.line(*FRONT), back=schemas.line(*BACK))
    return schemas.obj(cards=schemas.array(card, data.count, data.count))


def card_count(output: Flashcards, data: FlashcardInput) -> list[Problem]:
    if len(output.cards) == data.count:
        return []
    return [Problem(field="cards", code="count",
                    message=f"has {len(output.cards)} cards; write exactly {data.count}")]


def distinct_fronts(output: Flashcards, data: FlashcardInput) -> list[Problem]:
    found = distinct("cards", [card.front for card in output.cards])
    return [Problem(field=f"{p.field}.front", code=p.code, message=p.message) for p in found]


def back_answers_front(output: Flashcards, data: FlashcardInput) -> list[Problem]:
    """A back that only repeats its front, word for word or nearly ("Die Fotosynthese is der
    Vorgang" behind "Die Fotosynthese ist der Vorgang"), teaches nothing."""
    return [
        Problem(field=f"cards[{index}].back", code="repeats_front",
                message="repeats the front; give the answer or definition")
        for index, card in enumerate(output.cards)
        if restates(card.back, card.front)
    ]


_WORD = re.compile(r"\w{4,}")
#: Words are compared by their first letters, so "captures" matches "capture".
_STEM = 5
#: Languages written without spaces between words, whose words cannot be picked out this way.
_UNSPACED = frozenset({"zh", "ja", "ko", "th", "lo", "km", "my"})


def _stems(text: str) -> set[str]:
    return {word.casefold()[:_STEM] for word in _WORD.findall(text)}


def backs_from_source(output: Flashcards, data: FlashcardInput) -> list[Problem]:
    """Each back must use a word of the source text: cards are drawn from it, not invented.

    A back with no word of four letters or more ("H2O", "Yes") is not judged.
    """
    if data.language.split("-")[0].lower() in _UNSPACED:
        return []
    source = _stems(data.source_text)
    return [
        Problem(field=f"cards[{index}].back", code="not_from_source",
                message=f"{card.back!r} uses no word of the source text; answer with what the "
                        "text says")
        for index, card in enumerate(output.cards)
        if _stems(card.back) and not _stems(card.back) & source
    ]


readable = readability.validator("cards", "the card backs",
                                 lambda output: [card.back for card in output.cards])

FLASHCARDS = Generator(
    name="education.flashcards",
    description="Front/back study cards drawn from a source text.",
    input_model=FlashcardInput,
    output_model=Flashcards,
    system="education/system.j2",
    prompt="education/flashcards.user.j2",
    templates_from=__package__,
    output_schema=cards_schema,
    options=GenerationOptions(max_tokens=800, temperature=0.3),
    validators=(card_count, distinct_fronts, back_answers_front, backs_from_source, readable),
    exporters={"anki": export_anki.flashcards},
    # Repeated and surplus cards are dropped when the model wrote more than asked.
    finalize=keep_requested("cards", key=lambda card: card.front),
)
