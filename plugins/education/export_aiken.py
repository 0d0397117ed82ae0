"""Moodle Aiken (``--format aiken``): multiple-choice questions, one line per question and per
option, then ``ANSWER: X``.

Aiken has no escapes, no comments and no feedback, so this exporter refuses what it cannot
write faithfully instead of dropping it silently:

* a quiz with true/false or short-answer questions is refused, naming them (use ``gift`` or
  ``anki``, or ask for ``question_types: ["multiple_choice"]``);
* a text with a line break is refused, and so is a question line Moodle would read as an
  option (``B) ...``, ``C. ...``) or as the answer line (``ANSWER: ...``);
* explanations are left out: Aiken has nowhere to put them.

With no comment syntax, the explicit AI label goes into every question's text, before or
after it as the label's position says: Moodle imports each question on its own, so a label
on the first question alone would not stay with the others.
"""

from __future__ import annotations

import re
import string
from typing import Any

from aigc_core.labelling import ExplicitLabel, explicit_label, place

from .export_support import ExportError
from .quiz_models import MultipleChoice, Quiz, QuizInput

LETTERS = string.ascii_uppercase
#: Lines Moodle's Aiken importer reads as an option, and as the answer line.
_OPTION_LINE = re.compile(r"^[A-Z][).]")
_ANSWER_LINE = re.compile(r"^ANSWER:")
#: Moodle skips lines shorter than this.
_MIN_LINE = 2


def _one_line(field: str, text: str) -> str:
    # splitlines() drops every kind of line break (\n, \r, \u2028, ...): if the text
    # changes, it had one.
    if "".join(text.splitlines()) != text:
        raise ExportError(f"{field}: Aiken holds one line per question and per option; this "
                          f"text has a line break: {text!r}")
    text = text.strip()
    if len(text) < _MIN_LINE:
        raise ExportError(f"{field}: Moodle skips Aiken lines shorter than {_MIN_LINE} "
                          f"characters; got {text!r}")
    return text


def _stem(field: str, text: str, label: ExplicitLabel | None) -> str:
    if label is not None:
        text = " ".join(place([text], [label.one_line], label))
    stem = _one_line(field, text)
    if _OPTION_LINE.match(stem) or _ANSWER_LINE.match(stem):
        raise ExportError(f"{field}: Moodle would read this Aiken question line as an option "
                          f"or an answer line (it starts like 'B)', 'C.' or 'ANSWER:'); got "
                          f"{stem!r}")
    return stem


def _question(index: int, question: MultipleChoice, label: ExplicitLabel | None) -> list[str]:
    field = f"questions[{index}]"
    if not 0 <= question.answer_index < len(question.options) <= len(LETTERS):
        raise ExportError(f"{field}: needs at most {len(LETTERS)} options and an answer_index "
                          f"among them; got answer_index {question.answer_index} of "
                          f"{len(question.options)} options")
    lines = [_stem(f"{field}.question", question.question, label)]
    lines += [f"{LETTERS[position]}. {_one_line(f'{field}.options[{position}]', option)}"
              for position, option in enumerate(question.options)]
    lines.append(f"ANSWER: {LETTERS[question.answer_index]}")
    return lines


def quiz(output: Quiz, data: QuizInput, result: Any) -> str:
    others = [f"questions[{i}] ({q.type})" for i, q in enumerate(output.questions)
              if q.type != "multiple_choice"]
    if others:
        raise ExportError(f"Aiken holds only multiple-choice questions, so it cannot hold "
                          f"{', '.join(others)}; export with --format gift or --format anki, "
                          "or ask for question_types [\"multiple_choice\"]")
    label = explicit_label(result)
    blocks = [_question(i, q, label) for i, q in enumerate(output.questions)]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
