"""Untranslated segments: runs of source words that the translation leaves as they were.

A small model asked to translate often copies its input: a JSON i18n file to Spanish came back
with "Buy now" still in English, and a string that short is below what language
identification can judge (``languages.MIN_DETECTABLE_LETTERS``). So the source's words are
compared with the translation's: a run of consecutive source words found unchanged, in order,
in the translation is untranslated when it holds enough words a translation must change.

What may stay the same is not counted, so that names and shared words never fail a good
translation:

- protected spans (placeholders, tags, URLs, e-mail addresses, code) and glossary terms are
  masked before comparing, and numbers and identifiers (``snake_case``, ``v2``, ``a.b``) are
  not words: all of them end a run;
- capitalised words not at a sentence start ("Springfield Council", "in Berlin") and words
  with capitals inside ("iPhone", "OK", "API") are names; words under three letters ("in",
  "de", "la") are shared by too many languages. Both may sit inside a run but do not count;
- one word alone never counts ("Email", "Menu", "Hotel" are the same in many languages).

A run needs ``MIN_WORDS_SHORT`` counted words in a short segment (UI strings: "Buy now") and
``MIN_WORDS`` in a longer one, where two shared words are more likely a loanword ("happy
hour") than a sentence left untranslated; ``CLOSE_EXTRA`` more between close languages
(Spanish and Italian share "la casa"). A phrase meant to stay as it is (a slogan, a product
name in lower case) goes in the glossary as its own translation.

>>> [run.text for run in copied("Buy now and save", "Compra now and save")]
['now and save']
>>> [run.text for run in copied("Buy now", "Buy now")]
['Buy now']
>>> copied("Welcome to Springfield Council", "Bienvenue au Springfield Council")
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from aigc_core import Problem

from . import languages, masking
from .formats import Unit
from .masking import Finder

#: Counted words an unchanged run needs in a segment of at most SHORT_SEGMENT counted words,
#: and in a longer one.
MIN_WORDS_SHORT = 2
MIN_WORDS = 3
SHORT_SEGMENT = 6
#: More counted words needed between close languages, which share whole phrases.
CLOSE_EXTRA = 2
#: Runs named in one problem; the model fixes the first ones and is told again if need be.
SHOWN_RUNS = 3

_CHUNK = re.compile(r"\S+|\n")
_EDGE = re.compile(r"^[^\w]*(.*?)[^\w]*$", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:;…]['\"”’»)\]]*$")


@dataclass(frozen=True)
class Word:
    text: str
    #: A word a translation must change: not a name, not a short word.
    counted: bool

    @property
    def key(self) -> str:
        return self.text.casefold()


@dataclass(frozen=True)
class Run:
    """Consecutive source words found unchanged in the translation."""

    text: str
    counted: int


def _stretches(text: str) -> list[list[Word]]:
    """The words of a text in stretches: a boundary (a token, a line break, a number or an
    identifier) ends a stretch, as words on either side of it are not a phrase."""
    stretches: list[list[Word]] = [[]]
    start = True
    for chunk in _CHUNK.findall(text):
        core = _EDGE.match(chunk)[1]
        if not _WORD.fullmatch(core):
            stretches.append([])
            start = start or chunk == "\n" or bool(_SENTENCE_END.search(chunk))
            continue
        name = any(ch.isupper() for ch in core[1:]) or (core[0].isupper() and not start)
        stretches[-1].append(Word(core, not name and len(core) >= 3))
        start = bool(_SENTENCE_END.search(chunk))
    return [stretch for stretch in stretches if stretch]


def _plain(text: str, finders: Sequence[Finder]) -> str:
    """The text with tokens and protected spans turned into line breaks (boundaries)."""
    text = masking.TOKEN.sub("\n", text)
    return masking.TOKEN.sub("\n", masking.mask(text, finders).text)


def _runs(source: list[Word], translated: Sequence[list[str]]) -> list[tuple[int, int]]:
    """Maximal stretches ``[start, end)`` of ``source`` made of runs of at least two words that
    occur, in order, in one stretch of the translation."""
    at: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for number, words in enumerate(translated):
        for index in range(len(words) - 1):
            at.setdefault((words[index], words[index + 1]), []).append((number, index))
    texts = [word.key for word in source]
    covered: list[tuple[int, int]] = []
    for start in range(len(texts) - 1):
        longest = 0
        for number, index in at.get((texts[start], texts[start + 1]), []):
            words, length = translated[number], 2
            while (start + length < len(texts) and index + length < len(words)
                   and texts[start + length] == words[index + length]):
                length += 1
            longest = max(longest, length)
        if not longest:
            continue
        if covered and start <= covered[-1][1]:
            covered[-1] = (covered[-1][0], max(covered[-1][1], start + longest))
        else:
            covered.append((start, start + longest))
    return covered


def copied(source: str, translation: str, close: bool = False) -> list[Run]:
    """The runs of ``source`` words left unchanged in ``translation`` (plain text, tokens
    and line breaks as boundaries) that hold enough counted words for the segment's length;
    more between ``close`` languages."""
    stretches = _stretches(source)
    translated = [[word.key for word in words] for words in _stretches(translation)]
    total = sum(word.counted for words in stretches for word in words)
    least = (MIN_WORDS_SHORT if total <= SHORT_SEGMENT else MIN_WORDS) + close * CLOSE_EXTRA
    found = []
    for words in stretches:
        for start, end in _runs(words, translated):
            counted = sum(word.counted for word in words[start:end])
            if counted >= least:
                found.append(Run(" ".join(word.text for word in words[start:end]), counted))
    return found


def problems(units: Iterable[Unit], finders: Sequence[Finder], glossary: Mapping[str, str],
             source_language: str, target_language: str) -> list[Problem]:
    """A problem for each unit that leaves source words untranslated."""
    finders = [*finders, masking.glossary_finder(glossary)]
    found = []
    for unit in units:
        runs = copied(_plain(unit.source, finders), _plain(unit.translation, finders),
                      languages.close(source_language, target_language))
        if runs:
            shown = ", ".join(repr(run.text) for run in runs[:SHOWN_RUNS])
            found.append(Problem(
                field=unit.field, code="untranslated",
                message=f"leaves {shown} in {languages.name(source_language)}, as in the "
                        f"source; translate it into {languages.name(target_language)} "
                        "(only names, numbers, code and glossary terms stay as they are)"))
    return found
