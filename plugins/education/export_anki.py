"""Anki's text import (``--format anki``): a tab-separated file with Anki 2.1.54+ headers.

    #separator:tab
    #html:true
    #notetype:Basic
    #columns:Front<TAB>Back<TAB>Tags
    #tags column:3
    What is 2 + 2?<br>A. 3<br>B. 4<TAB>B. 4<br><br>Two and two make four.<TAB>bloom::remember

Fields are HTML (``#html:true``), escaped in one pass so that no field holds the separator, a
line break, a double quote (Anki's quoting character) or a ``#`` (a line starting with one
is a comment to Anki's reader): ``& < > "`` become entities, ``#`` is ``&#35;``, a tab
``&#9;`` and a line break ``<br>``. Every record is then exactly one line.

The explicit AI label is a ``#ai-label:...`` line at the top or the bottom. Anki reads lines
starting with ``#`` as comments, and a ``#key:value`` line with a key it does not know (as
here) as a header it ignores, so the label stays in the file without reaching any card.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from aigc_core.labelling import explicit_label, place

from .export_support import ExportError
from .flashcard_models import FlashcardInput, Flashcards
from .quiz_models import MultipleChoice, Quiz, QuizInput, ShortAnswer, TrueFalse

SEPARATOR = "\t"
_FIELD_ESCAPES = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "#": "&#35;", "\t": "&#9;",
    "\n": "<br>",
})


def field(text: str) -> str:
    """Plain text as one Anki HTML field."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_FIELD_ESCAPES)


def document(columns: list[str], rows: list[list[str]], result: Any,
             tags_column: int | None = None) -> str:
    """The whole import file; ``rows`` hold fields already made safe with ``field``."""
    for number, row in enumerate(rows, start=1):
        if len(row) != len(columns) or any(ch in cell for cell in row for ch in "\t\r\n"):
            raise ExportError(f"Anki row {number} is not {len(columns)} one-line fields: {row!r}")
    headers = ["#separator:tab", "#html:true", "#notetype:Basic",
               f"#columns:{SEPARATOR.join(columns)}"]
    if tags_column is not None:
        headers.append(f"#tags column:{tags_column}")
    label = explicit_label(result)
    label_lines = [f"#ai-label:{line}" for line in label.lines] if label else []
    lines = [*headers, *(SEPARATOR.join(row) for row in rows)]
    return "\n".join(place(lines, label_lines, label)) + "\n"


# -- quiz ------------------------------------------------------------------------------------
def _choice(question: MultipleChoice, position: int) -> str:
    return f"{string.ascii_uppercase[position]}. {field(question.options[position])}"


def _multiple_choice(question: MultipleChoice) -> tuple[str, str]:
    if not 0 <= question.answer_index < len(question.options):
        raise ExportError(f"answer_index {question.answer_index} names no option of "
                          f"{question.question!r}")
    front = "<br>".join([field(question.question),
                         *(_choice(question, p) for p in range(len(question.options)))])
    return front, _choice(question, question.answer_index)


def _true_false(question: TrueFalse) -> tuple[str, str]:
    return f"{field(question.question)}<br>(true or false?)", str(question.answer)


def _short_answer(question: ShortAnswer) -> tuple[str, str]:
    return field(question.question), field(question.answer)


#: (front, answer) of a card, by question type.
CARDS: dict[str, Callable[[Any], tuple[str, str]]] = {
    "multiple_choice": _multiple_choice,
    "true_false": _true_false,
    "short_answer": _short_answer,
}


def quiz(output: Quiz, data: QuizInput, result: Any) -> str:
    rows = []
    for question in output.questions:
        front, answer = CARDS[question.type](question)
        back = f"{answer}<br><br>{field(question.explanation)}"
        # Tags are Anki's way to filter cards; the values come from fixed vocabularies, so
        # they never hold spaces.
        tags = f"bloom::{question.bloom_level} quiz::{question.type}"
        rows.append([front, back, tags])
    return document(["Front", "Back", "Tags"], rows, result, tags_column=3)


# -- flashcards ------------------------------------------------------------------------------
def flashcards(output: Flashcards, data: FlashcardInput, result: Any) -> str:
    rows = [[field(card.front), field(card.back)] for card in output.cards]
    return document(["Front", "Back"], rows, result)
