"""Moodle GIFT (``--format gift``), written the way Moodle's own GIFT importer reads it.

* ``~ = # { } :`` and the backslash are backslash-escaped in every text, and a newline is
  written as ``\\n``, so each question stays one block (blocks are separated by blank lines).
* Question text is marked ``[plain]``: it is shown as typed, never read as HTML, and a text
  that starts with ``[`` cannot be mistaken for a format marker.
* Moodle reads a leading ``%50%`` in an answer as its grade weight, so such an answer gets an
  explicit weight in front (``~%0%%50% of ...``).
* The explicit AI label becomes ``//`` comment lines before the first or after the last
  question. Moodle drops comments on import: the label marks the file, not the question bank.
* The Bloom level goes into the question name (``::Q1 (apply)::``), which Moodle keeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aigc_core.labelling import explicit_label, place

from .export_support import ExportError
from .quiz_models import MultipleChoice, Quiz, QuizInput, ShortAnswer, TrueFalse

_ESCAPES = str.maketrans({
    "\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:",
    "\n": "\\n",
})
#: "*" is a wildcard in Moodle's short-answer matching; a backslash makes it a plain star.
_LITERAL_STAR = "\\*"
#: Moodle's pattern for an answer's weight (``qformat_gift::$giftanswerweightregex``).
_WEIGHT = re.compile(r"^%-*[0-9]{1,2}\.?[0-9]*%")


def escape(text: str) -> str:
    """Text with every GIFT control character escaped; line breaks become ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_ESCAPES)


def _text(text: str) -> str:
    """Escaped text; one starting with ``[`` is marked plain so Moodle keeps the bracket."""
    escaped = escape(text)
    return f"[plain]{escaped}" if escaped.startswith("[") else escaped


def _answer(mark: str, weight: int, text: str) -> str:
    escaped = _text(text)
    return f"{mark}%{weight}%{escaped}" if _WEIGHT.match(escaped) else f"{mark}{escaped}"


def _multiple_choice(question: MultipleChoice, field: str) -> list[str]:
    if not 0 <= question.answer_index < len(question.options):
        # Without an "=" answer Moodle would import a question where several may be ticked.
        raise ExportError(f"{field}.answer_index: {question.answer_index} names no option")
    return [
        _answer("=", 100, option) if position == question.answer_index
        else _answer("~", 0, option)
        for position, option in enumerate(question.options)
    ]


def _true_false(question: TrueFalse, field: str) -> list[str]:
    return ["TRUE" if question.answer else "FALSE"]


def _short_answer(question: ShortAnswer, field: str) -> list[str]:
    # Moodle takes an answer block holding both "=" and "->" for a matching question, and
    # GIFT has no escape for ">".
    if "->" in question.answer:
        raise ExportError(f"{field}.answer: GIFT cannot hold '->' in a short answer "
                          f"(Moodle would import a matching question); got {question.answer!r}")
    # An explicit 100% weight, as Moodle's own export writes it.
    return [f"=%100%{_text(question.answer.replace('*', _LITERAL_STAR))}"]


#: Which question's block the label's comment lines join, by the label's position.
LABEL_BLOCK: dict[str, int] = {"start": 0, "end": -1}

ANSWERS: dict[str, Callable[[Any, str], list[str]]] = {
    "multiple_choice": _multiple_choice,
    "true_false": _true_false,
    "short_answer": _short_answer,
}


def _question(number: int, question: Any) -> list[str]:
    name = escape(f"Q{number} ({question.bloom_level})")
    answers = ANSWERS[question.type](question, f"questions[{number - 1}]")
    return [
        f"::{name}::[plain]{escape(question.question)}{{",
        *(f"\t{answer}" for answer in answers),
        f"\t####{_text(question.explanation)}",
        "}",
    ]


def quiz(output: Quiz, data: QuizInput, result: Any) -> str:
    label = explicit_label(result)
    blocks = [_question(number, q) for number, q in enumerate(output.questions, start=1)]
    # The label's comment lines join the first or last question's block: Moodle skips
    # comment lines inside a block, and a block of comments alone is not a question.
    if label is not None:
        at = LABEL_BLOCK[label.position]
        blocks[at] = place(blocks[at], [f"// {line}" for line in label.lines], label)
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
