"""The repetition gate: copy that says the same thing twice.

A small model that loses its way loops: one sentence four times over, a paragraph written again,
a phrase repeated back to back ("quote only their exact words; quote only their exact words").
Every format check passes such copy. Words are compared without case or punctuation
(``words``). A field is flagged, once, for the first of:

- **a repeated sentence**: a sentence of at least ``sentence_min_words`` words that the output
  already holds, in this field or another, more than ``max_sentence_repeats`` times;
- **a loop**: words repeated back to back, at least ``loop_words`` words repeated in all
  ("their exact words their exact words", "very very very very very");
- **a repeated run**: ``run_words`` words in a row that this field already holds, or that an
  earlier item of the same list holds (``body[0]`` and ``body[2]``, two headline variants)
  unless the input holds them too (variants may all name the story's "40 km of protected bike
  lanes").

A field that copies part of a field of another name (a lede that is the headline, a meta
description cut from the summary, a plain-text rendering of a list) is the generator's choice,
not a loop: the two are not compared with each other. Items of one list always are.

Settings (``[gates.repetition]``), with their defaults:

- ``sentence_min_words = 4``: shorter sentences ("Order now.", "Learn more.") may repeat;
- ``max_sentence_repeats = 0``: how many times one sentence may be written again;
- ``run_words = 8``: a name with its title ("Jane Doe, mayor of Springfield") may come back;
  eight words in a row are a copied passage;
- ``loop_words = 4``: "ha ha ha" and "New York, New York" are not loops, "again and again and
  again and again" is.

Mostly Chinese or Japanese text counts a character as a word, so its thresholds are doubled.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

from ..problems import Problem
from .base import GateView
from .tuning import tuned
from .words import Words, grams, words

NAME = "repetition"

DEFAULTS: dict[str, Any] = {
    "sentence_min_words": 4,
    "max_sentence_repeats": 0,
    "run_words": 8,
    "loop_words": 4,
}

_INDEX = re.compile(r"\[\d+\]")


def check(view: GateView) -> list[Problem]:
    settings = tuned(view, NAME, DEFAULTS)
    found = {field.path: words(field.text) for field in view.fields}
    problems = {problem.field: problem
                for problem in _repeated_sentences(found, _Copies(found), settings)}
    given = tuple(view.input_texts)
    listed = Counter(map(_name, found))
    earlier: dict[str, dict[tuple[str, ...], str]] = {}  # by list name: run -> first field
    for path, written in found.items():
        scale = 2 if written.wide() else 1
        size, least = settings["run_words"] * scale, settings["loop_words"] * scale
        # A loop or a run repeated within the field repeats a run of `least` words, which most
        # fields never do: one set tells. Only list items are compared with each other.
        looped = _repeats(written.keys, min(least, size))
        sibling = listed[_name(path)] > 1
        if not (looped or sibling):
            continue
        items = earlier.setdefault(_name(path), {}) if sibling else {}
        run = _run(written, size, items, path, _input_runs(given, size))
        if path not in problems:
            message = (looped and _loop(written, least, size)) or run
            if message:
                problems[path] = Problem(field=path, code=NAME, message=message)
    # In the order of the fields, as every gate reports.
    return [problems[path] for path in found if path in problems]


def _name(path: str) -> str:
    """A field's name without its list indexes: ``body[0]`` and ``body[2]`` are ``body[]``."""
    return _INDEX.sub("[]", path)


class _Copies:
    """Whether one field is a copy of part of a field of another name: a lede that is the
    headline, a meta description cut from the summary. Asked only about fields that repeat."""

    def __init__(self, found: dict[str, Words]) -> None:
        self.found = found
        self.joined: dict[str, str] = {}

    def __call__(self, one: str, other: str) -> bool:
        if _name(one) == _name(other):
            return False
        first, second = self._joined(one), self._joined(other)
        return first in second or second in first

    def _joined(self, path: str) -> str:
        """The field's words space-joined and space-framed, so that only whole words match."""
        if path not in self.joined:
            self.joined[path] = f" {' '.join(self.found[path].keys)} "
        return self.joined[path]


def _repeated_sentences(found: dict[str, Words], copies: _Copies,
                        settings: dict[str, Any]) -> list[Problem]:
    written_in: dict[str, list[str]] = {}  # sentence -> the fields that hold it
    repeats: Counter[str] = Counter()
    problems: dict[str, Problem] = {}
    for path, written in found.items():
        for index, key in enumerate(written.sentences):
            before = written_in.setdefault(key, [])
            # Words are counted only for a repeat: most sentences are written once.
            if before and path not in problems and \
                    key.count("\n") + 1 >= settings["sentence_min_words"]:
                where = next((other for other in before if not copies(path, other)), None)
                repeats[key] += where is not None
                if where is not None and repeats[key] > settings["max_sentence_repeats"]:
                    place = "earlier in this field" if where == path else f"in {where}"
                    problems[path] = Problem(
                        field=path, code=NAME,
                        message=f"repeats the sentence {written.sentence(index)}, already "
                                f"written {place}; write it once and say something new instead")
            before.append(path)
    return list(problems.values())


def _repeats(keys: tuple[str, ...], size: int) -> bool:
    """Some run of ``size`` words comes twice."""
    return len(set(grams(keys, size))) < len(keys) - size + 1


def _run(written: Words, size: int, items: dict[tuple[str, ...], str], path: str,
         from_input: frozenset[tuple[str, ...]]) -> str | None:
    """The first run of ``size`` words written earlier in this field, or in an earlier item of
    its list (``items``, which this field's runs join). Sets find whether there is one, in C;
    only a field that has one is read run by run, to quote it."""
    here = set(written.grams(size))
    # set.difference(dict) looks each run up in the dict; "&" or "-" with items.keys() would
    # copy every earlier run, for every field.
    new = here.difference(items)
    shared = here - new - from_input
    items.update(dict.fromkeys(new, path))
    if not shared and len(here) == max(0, len(written.keys) - size + 1):
        return None
    seen: set[tuple[str, ...]] = set()
    for start, gram in enumerate(written.grams(size)):
        if gram in seen:
            return (f"repeats {written.excerpt(start, start + size)} (written twice in this "
                    "field); say it once and add new information instead")
        if gram in shared:
            return (f"repeats {written.excerpt(start, start + size)} from {items[gram]}; "
                    "write something new here instead")
        seen.add(gram)
    return None


def _loop(written: Words, least: int, longest: int) -> str | None:
    """Words repeated back to back, ``least`` words repeated in all, in units shorter than
    ``longest`` (longer ones are runs)."""
    keys = written.keys
    last: dict[tuple[str, ...], int] = {}
    for start, gram in enumerate(grams(keys, least)):
        before = last.get(gram)
        unit = start - before if before is not None else longest
        # A unit longer than the run repeats back to back only if all of it does.
        if unit < longest and (unit <= least or keys[before:start] == keys[start:start + unit]):
            return (f"loops: {written.excerpt(before, start + max(unit, least))} repeats "
                    "words back to back; write each phrase once")
        last[gram] = start
    return None


@lru_cache(maxsize=32)
def _input_runs(given: tuple[str, ...], size: int) -> frozenset[tuple[str, ...]]:
    """The input's runs of ``size`` words."""
    return frozenset(gram for text in given for gram in words(text).grams(size))
