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
- one word alone counts only if the word lists say it is foreign (below).

A run needs ``MIN_WORDS_SHORT`` counted words in a short segment (UI strings: "Buy now") and
``MIN_WORDS`` in a longer one, where two shared words are more likely a loanword ("happy
hour") than a sentence left untranslated; ``CLOSE_EXTRA`` more between close languages
(Spanish and Italian share "la casa"). A phrase meant to stay as it is (a slogan, a product
name in lower case) goes in the glossary as its own translation.

Where both languages have a word list (``aigc_core.lexicon``), how common a word is in each
also decides. A kept word is *foreign* to the target language when it is common in the source
language (Zipf frequency ``MIN_ZIPF`` or more: "nine", 4.87 in English) and ``MIN_GAP``
rarer in the target language, a thirtieth as often (3.08 in French); ``CLOSE_GAP`` more
between close languages, which share words at other frequencies (Italian "piano"). Loanwords
are not foreign, as the target language's own text uses them ("email": 4.68 in English, 3.70
in French; "weekend", "parking", "app"), and neither are shared words ("six" is French too).

- A run counts only if it holds a foreign word: "un taxi online" and "al jazz club" are good
  Italian.
- A word alone counts if it is foreign, written in lower case (or a segment's only word: a UI
  label) and not next to an identifier ("make build_all" reads as code): the embedded model
  translated "The museum opens at nine and closes at six." into French as "La museum est
  débutée à nine et débutera au six.", not two source words in a row.

>>> [run.text for run in copied("Buy now and save", "Compra now and save")]
['now and save']
>>> [run.text for run in copied("Buy now", "Buy now")]
['Buy now']
>>> copied("Welcome to Springfield Council", "Bienvenue au Springfield Council")
[]
>>> left("The museum opens at nine.", "Le musée ouvre à nine.", "en", "fr")
['nine']
>>> left("Book a taxi online", "Prenota un taxi online", "en", "it")
[]
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from aigc_core import Problem, lexicon

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
#: How common in the source language, and how much rarer in the target language (Zipf: log10
#: steps), a word must be to be foreign there; more between close languages.
MIN_ZIPF = 3.5
MIN_GAP = 1.5
CLOSE_GAP = 0.5
#: Runs and words named in one problem; the model fixes the first ones and is told again if
#: need be.
SHOWN = 3

_CHUNK = re.compile(r"\S+|\n")
_EDGE = re.compile(r"^[^\w]*(.*?)[^\w]*$", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:;…]['\"”’»)\]]*$")
#: Letters with a digit, an underscore or a dot inside: an identifier (``v2``, ``a.b``).
_IDENTIFIER = re.compile(r"(?=.*[^\W\d_])(?=.*(?:\d|_|\w\.\w))")


@dataclass(frozen=True)
class Word:
    text: str
    #: A word a translation must change: not a name, not a short word.
    counted: bool
    #: A counted word judged on its own: in lower case (or the text's only word), not next
    #: to an identifier.
    alone: bool = False

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
    start, after_code = True, False
    for chunk in _CHUNK.findall(text):
        core = _EDGE.match(chunk)[1]
        if not _WORD.fullmatch(core):
            code = bool(_IDENTIFIER.match(core))
            if code and stretches[-1]:
                stretches[-1][-1] = replace(stretches[-1][-1], alone=False)
            stretches.append([])
            start = start or chunk == "\n" or bool(_SENTENCE_END.search(chunk))
            after_code = code
            continue
        name = any(ch.isupper() for ch in core[1:]) or (core[0].isupper() and not start)
        counted = not name and len(core) >= 3
        stretches[-1].append(Word(core, counted, counted and core.islower() and not after_code))
        start, after_code = bool(_SENTENCE_END.search(chunk)), False
    stretches = [stretch for stretch in stretches if stretch]
    if len(stretches) == 1 and len(stretches[0]) == 1 and stretches[0][0].counted:
        stretches[0][0] = replace(stretches[0][0], alone=True)
    return stretches


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


Stretches = list[list[Word]]
#: Per stretch of the source, its runs ``[start, end)`` found in the translation.
Runs = list[list[tuple[int, int]]]


def _compared(source: str, translation: str) -> tuple[Stretches, list[list[str]], Runs]:
    """The source's stretches, the translation's (case-folded), and the runs between them."""
    stretches = _stretches(source)
    translated = [[word.key for word in words] for words in _stretches(translation)]
    return stretches, translated, [_runs(words, translated) for words in stretches]


def copied(source: str, translation: str, close: bool = False) -> list[Run]:
    """The runs of ``source`` words left unchanged in ``translation`` (plain text, tokens
    and line breaks as boundaries) that hold enough counted words for the segment's length,
    more between ``close`` languages."""
    stretches, _, runs = _compared(source, translation)
    return _copied(stretches, runs, close, None)


def _copied(stretches: Stretches, runs: Runs, close: bool,
            foreign: Collection[str] | None) -> list[Run]:
    """``copied``'s runs; where ``foreign`` (case-folded words) is known, those holding one."""
    total = sum(word.counted for words in stretches for word in words)
    least = (MIN_WORDS_SHORT if total <= SHORT_SEGMENT else MIN_WORDS) + close * CLOSE_EXTRA
    found = []
    for words, spans in zip(stretches, runs, strict=True):
        for start, end in spans:
            run = words[start:end]
            counted = sum(word.counted for word in run)
            if counted >= least and (foreign is None or any(w.key in foreign for w in run)):
                found.append(Run(" ".join(word.text for word in run), counted))
    return found


def _alone(stretches: Stretches, translated: list[list[str]], runs: Runs,
           foreign: Collection[str]) -> list[str]:
    """The ``foreign`` words (case-folded) of the source judged on their own that the
    translation keeps, outside runs of kept words, as the source writes them."""
    kept = {key for words in translated for key in words}
    found: dict[str, str] = {}
    for words, spans in zip(stretches, runs, strict=True):
        # A word in a run of kept words is the run rule's to judge ("un coffee shop").
        in_runs = {index for start, end in spans for index in range(start, end)}
        for index, word in enumerate(words):
            if word.alone and word.key in foreign and word.key in kept and index not in in_runs:
                found.setdefault(word.key, word.text)
    return list(found.values())


def _foreign(stretches: Stretches, source_language: str, target_language: str,
             close: bool) -> set[str] | None:
    """The counted words of the source (case-folded) that are foreign to the target language;
    None where either language has no word list."""
    pair = (languages.primary(source_language), languages.primary(target_language))
    if not set(pair) <= lexicon.available():
        return None
    keys = list({word.key for words in stretches for word in words if word.counted})
    gap = MIN_GAP + close * CLOSE_GAP
    return {key for key, common, rare in zip(keys, lexicon.zipf(pair[0], keys),
                                             lexicon.zipf(pair[1], keys), strict=True)
            if common >= MIN_ZIPF and common - rare >= gap}


def left(source: str, translation: str, source_language: str, target_language: str) -> list[str]:
    """What ``translation`` leaves of ``source`` as it was: runs of words, then words alone."""
    close = languages.close(source_language, target_language)
    stretches, translated, runs = _compared(source, translation)
    foreign = _foreign(stretches, source_language, target_language, close)
    found = [run.text for run in _copied(stretches, runs, close, foreign)]
    return found if foreign is None else [*found, *_alone(stretches, translated, runs, foreign)]


def problems(units: Iterable[Unit], finders: Sequence[Finder], glossary: Mapping[str, str],
             source_language: str, target_language: str) -> list[Problem]:
    """A problem for each unit that leaves source words untranslated."""
    finders = [*finders, masking.glossary_finder(glossary)]
    found = []
    for unit in units:
        kept = left(_plain(unit.source, finders), _plain(unit.translation, finders),
                    source_language, target_language)
        if kept:
            shown = ", ".join(repr(text) for text in kept[:SHOWN])
            found.append(Problem(
                field=unit.field, code="untranslated",
                message=f"leaves {shown} in {languages.name(source_language)}, as in the "
                        f"source; translate it into {languages.name(target_language)} "
                        "(only names, numbers, code and glossary terms stay as they are)"))
    return found
