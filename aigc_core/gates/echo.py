"""The prompt echo gate: copy that repeats the instructions instead of following them.

A small model, or a large one under prompt injection or a long context, writes the prompt back:
a news body that read "Tone: neutral. Language: en. Use only the numbers, dates, names and
quotations in the facts; quote only their exact words" succeeded before this gate. The
*instructions* are the rendered prompt (system and user messages) with the job's own values
taken out: every string of the input, the generator's defaults included, is copy the output may
repeat (a fact, a topic, the text to summarise). A field is flagged, once, for the first of:

- **a copied run**: ``run_words`` words in a row of the instructions (not of the input);
- **a label**: a label of the prompt at the start of a line or sentence of the field. A label is
  one to three words and a colon at the start of a line or sentence of the prompt, outside the
  input's values ("Tone:", "Facts:", "Call to action:"), or an output field's name in quotes
  followed by what to write there (``- "lede": one sentence ...``), which a model copies as
  "Lede: ...";
- **a spliced value**: the field is one of the input's values (three words or more) with only
  words of the instructions around it, two to four of them: "At most A night tram for
  Northgate" succeeded as a headline for the story "a night tram for Northgate", whose prompt
  asked for headlines of "at most 60 characters".

Settings (``[gates.prompt_echo]``), with their defaults:

- ``run_words = 6``: five words in a row are often shared by chance ("for learners who
  finish early" in a lesson plan that was asked for them); six are copied;
- ``labels = true``: ``false`` stops checking labels, for a generator whose copy legitimately
  starts lines with the prompt's labels ("Offer: 10% off").

Mostly Chinese or Japanese text counts a character as a word, so ``run_words`` is doubled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from ..checks import quote
from ..problems import Problem
from .base import GateView
from .prose import strings
from .tuning import tuned
from .words import Words, grams, words

NAME = "prompt_echo"

DEFAULTS: dict[str, Any] = {"run_words": 6, "labels": True}

#: A label at the start of a line or of a sentence ("Audience: local residents. Tone: neutral."):
#: one to three words, the first capitalised, then a colon; or an output field's name in quotes
#: followed by what to write there (- "lede": one sentence ...), which a model copies as
#: "Lede: ...". A quoted name followed by a JSON value ({"title": "..."}) is not a label.
_LABEL = re.compile(r"(?:^|(?<=[.!?]\s))[ \t]*(?:[-*•][ \t]*)?(?:"
                    r"([^\W\d_]+(?: [^\W\d_]+){0,2}):(?=\s|$)"
                    r'|"([^\W\d_]+)":[ \t]*(?=[^\W\d_]))', re.MULTILINE)


#: A label written in a field, as ``_LABEL`` finds them in the prompt but in any case.
_WRITTEN_LABEL = re.compile(r"(?:^|(?<=[.!?;]\s))[ \t]*(?:[-*•][ \t]*)?"
                            r"([^\W\d_]+(?: [^\W\d_]+){0,2})[ \t]*:", re.MULTILINE)


@dataclass(frozen=True)
class _Instructions:
    runs: frozenset[tuple[str, ...]]
    labels: frozenset[str]
    """Case-folded."""
    needles: tuple[str, ...]
    """Each label with its colon, as a field would hold it (case-folded)."""
    vocabulary: frozenset[str]
    """Every word of the instructions (the prompt outside the input's values)."""
    values: tuple[tuple[str, ...], ...]
    """The input's values of three words or more, as words, the longest first."""


def check(view: GateView) -> list[Problem]:
    settings = tuned(view, NAME, DEFAULTS)
    # The validated input repeats most of the job's strings: each is masked once.
    inputs = tuple(dict.fromkeys((*view.input_texts, *_defaults(view.data))))
    problems = []
    for field in view.fields:
        found = words(field.text)
        size = settings["run_words"] * (2 if found.wide() else 1)
        instructions = _instructions(view.prompt, inputs, size)
        message = _copied(found, instructions.runs, size)
        if not message and settings["labels"] and instructions.labels:
            message = _labelled(field.text, instructions)
        if not message:
            message = _spliced(found, instructions)
        if message:
            problems.append(Problem(field=field.path, code=NAME, message=message))
    return problems


def _defaults(data: Any) -> tuple[str, ...]:
    """The strings of the validated input: the job's values and the input model's defaults,
    which the templates render too ("Tone: neutral" when no tone was given)."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    return tuple(strings(data)) if data else ()


def _copied(found: Words, instructions: frozenset[tuple[str, ...]], size: int) -> str | None:
    """The first run of ``size`` words of the instructions, quoted as far as it goes on. A set
    tells in C whether there is one; only then is the field read run by run."""
    if instructions.isdisjoint(found.grams(size)):
        return None
    copied = [gram in instructions for gram in found.grams(size)]
    start = copied.index(True)
    stop = start
    while stop < len(copied) and copied[stop]:
        stop += 1
    return (f"copies the instructions: {found.excerpt(start, stop + size - 1)}; write the "
            "content they ask for, not the instructions themselves")


def _labelled(text: str, instructions: _Instructions) -> str | None:
    """The first of the prompt's labels at the start of a line or sentence of ``text``."""
    if ":" not in text:
        return None
    folded = text.casefold()
    # A substring test per label first, in C: prose seldom holds a label and a colon at all.
    if not any(needle in folded for needle in instructions.needles):
        return None
    for match in _WRITTEN_LABEL.finditer(text):
        if match.group(1).casefold() in instructions.labels:
            return (f"starts a line with the prompt's label {quote(match.group(1))}: write the "
                    "copy itself, not the instructions' labels and settings")
    return None


#: Words of the instructions around a spliced value: fewer is a chance ("New: ..."), more
#: is more than a splice.
_SPLICE_WORDS = range(2, 5)


def _spliced(found: Words, instructions: _Instructions) -> str | None:
    """The field is an input value with words of the instructions, and only those, around it."""
    keys = found.keys
    if not instructions.values or len(keys) > len(instructions.values[0]) + _SPLICE_WORDS[-1]:
        return None  # longer than the longest value with its most words around it
    for value in instructions.values:
        if len(keys) - len(value) not in _SPLICE_WORDS:
            continue
        for start in range(len(keys) - len(value) + 1):
            if keys[start:start + len(value)] != value:
                continue
            around = keys[:start] + keys[start + len(value):]
            if all(word in instructions.vocabulary and word not in value for word in around):
                return (f"is the input's {found.excerpt(start, start + len(value))} with the "
                        f"instructions' words {quote(' '.join(around))} around it: write the "
                        "copy itself, not the prompt's words")
    return None


@lru_cache(maxsize=32)
def _instructions(prompt: str, inputs: Sequence[str], size: int) -> _Instructions:
    """The prompt's runs of ``size`` words and its labels, outside the input's values.
    Cached: every attempt of a job, and every field, sees the same prompt."""
    written = words(prompt)
    given = [words(text).keys for text in inputs]
    masked = _masked(written.keys, given)
    from_input = {gram for keys in given for gram in grams(keys, size)}
    runs = frozenset(gram for start, gram in enumerate(written.grams(size))
                     if gram not in from_input and True not in masked[start:start + size])
    starts = {span[0]: index for index, span in enumerate(written.spans())}
    labels = frozenset(label.casefold() for label, start in _labels(prompt)
                       if start not in starts or not masked[starts[start]])
    needles = tuple(f"{label}{colon}" for label in labels for colon in (":", " :"))
    vocabulary = frozenset(key for key, given_here in zip(written.keys, masked, strict=True)
                           if not given_here)
    values = tuple(sorted((keys for keys in dict.fromkeys(given) if len(keys) >= 3),
                          key=len, reverse=True))
    return _Instructions(runs, labels, needles, vocabulary, values)


def _labels(prompt: str) -> Iterator[tuple[str, int]]:
    """The prompt's labels, each with where it starts."""
    for match in _LABEL.finditer(prompt):
        if match.group(1) and match.group(1)[0].isupper():
            yield match.group(1), match.start(1)
        elif match.group(2):
            yield match.group(2), match.start(2)


def _masked(keys: tuple[str, ...], values: list[tuple[str, ...]]) -> list[bool]:
    """Which words of the prompt are the input's values (each value a run of words)."""
    at: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        at.setdefault(key, []).append(index)
    masked = [False] * len(keys)
    for value in values:
        for start in at.get(value[0], ()) if value else ():
            if keys[start:start + len(value)] == value:
                masked[start:start + len(value)] = [True] * len(value)
    return masked
