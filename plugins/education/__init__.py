"""The education plugin: quizzes, lesson plans and flashcards.

* ``education.quiz``: multiple-choice, true/false and short-answer questions from a topic or a
  source text, each with answer key, explanation and Bloom level; exports ``gift`` and
  ``aiken`` (Moodle), ``anki`` and ``quiz-json``.
* ``education.lesson_plan``: objectives, materials, timed activities that add up to the
  lesson's length, assessment and differentiation notes.
* ``education.flashcards``: front/back cards from a source text; exports ``anki``.

Learner-facing text is checked against the requested grade level (``readability``).
"""

from __future__ import annotations

from collections.abc import Callable

from aigc_core import Generator, hookimpl

from .flashcards import FLASHCARDS
from .lesson_plan import LESSON_PLAN
from .quiz import QUIZ

GENERATORS = (QUIZ, LESSON_PLAN, FLASHCARDS)


@hookimpl
def register_generators(register: Callable[[Generator], None]) -> None:
    for generator in GENERATORS:
        register(generator)
