"""Does the learner-facing text read at the requested grade level?

The grade is the mean of two US-grade formulas from ``textstat``, Coleman-Liau and the
Automated Readability Index. Both count letters, words and sentences only: textstat's
Flesch-Kincaid counts English syllables with NLTK's CMU dictionary, which it downloads on
first use, and a validator must not reach the network (offline workers, CI). Averaging two
formulas also steadies the score on the short passages quizzes and cards are made of.

The formulas are calibrated on English, so other languages are not measured. Samples under
``MIN_WORDS`` words are not measured either: there one long word or one missing full stop
moves the score by several grades, so a verdict would be noise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from aigc_core import Problem
from aigc_core.checks import word_count

MIN_WORDS = 30
FORMULA = "mean of Coleman-Liau and ARI"

#: What to change, by the direction the text is off in.
ADVICE: dict[bool, str] = {
    True: "use shorter sentences and simpler, everyday words",
    False: "use complete sentences and the subject's proper terms",
}


class Readable(Protocol):
    """The input fields the check reads (every education input model has them)."""

    grade_level: int
    readability_tolerance: float | None
    language: str


def measure(texts: Iterable[str]) -> tuple[float, int]:
    """The grade level of the texts read as one passage, and its word count."""
    # Imported here: textstat imports NLTK (0.2 s), which every `aigc` command and every
    # worker would otherwise pay for on start, whether it grades a text or not.
    import textstat

    # Each piece is its own sentence: without a full stop the formula would read two
    # questions as one long sentence and over-grade them.
    passage = " ".join(_as_sentence(text) for text in texts if text.strip())
    grade = (textstat.coleman_liau_index(passage)
             + textstat.automated_readability_index(passage)) / 2
    # Very short words and sentences score below zero; the scale starts at kindergarten.
    return max(float(grade), 0.0), word_count(passage)


def _as_sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1] in ".!?" else f"{text}."


def grade_problems(field: str, what: str, texts: Iterable[str], data: Readable) -> list[Problem]:
    """A problem on ``field`` when ``texts`` read more than the tolerance away from the grade."""
    if data.readability_tolerance is None or not data.language.lower().startswith("en"):
        return []
    grade, words = measure(texts)
    if words < MIN_WORDS or abs(grade - data.grade_level) <= data.readability_tolerance:
        return []
    return [Problem(
        field=field, code="readability",
        message=f"{what} read at grade {grade:.1f} ({FORMULA}); grade {data.grade_level} "
                f"(± {data.readability_tolerance:g}) was asked: "
                f"{ADVICE[grade > data.grade_level]}",
    )]


def validator(field: str, what: str,
              texts: Callable[[Any], Iterable[str]]) -> Callable[[Any, Readable], list[Problem]]:
    """A generator validator checking the texts that ``texts(output)`` picks out."""

    def readable(output: Any, data: Readable) -> list[Problem]:
        return grade_problems(field, what, texts(output), data)

    return readable
