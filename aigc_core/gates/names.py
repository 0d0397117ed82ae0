"""The names gate: a name the input gives is written as the input spells it.

A small model copies a name letter by letter and slips: "Shenzshan Metro Line 16" for the
facts' "Shenzhen Metro Line 16". Such a slip passes every format check and is the kind of error
a reader trusts least. A *name* is a capitalised word: its first letter is upper case (any cased
script: Latin, Cyrillic, Greek, ...; Chinese, Japanese, Arabic and other scripts without case
have no such words and are not checked). Multi-word names are checked word by word
("Shenzshan" in "Shenzshan Metro").

A capitalised word of the output misspells a name of the input when all of these hold:

- it is not a word of the input (in any case) nor of ``allowed_names``, and is never written
  in lower case in the input, the prompt or the output: "Opens", "Then", "Solar" are words, not
  names; the input's own capitalised words that it also writes in lower case are not names
  either;
- it starts with the same letter as the name, and is within ``max_edits`` edits of it (one edit
  for names of up to six letters: a short name is one edit from many words; in German, which
  capitalises every noun, names of seven letters or more only), comparing without case and
  diacritics ("Muller" and "Müller" are one spelling);
- it is not the name inflected: the name with up to three letters added ("Berliner", "Texans",
  "Japanese"), or with its last letter changed and up to three added ("Texan", "Europa",
  "Roma"); its last two letters for the languages in ``_INFLECTING`` ("Москвы", "Warszawie").

A name written in another language's form within those limits ("Bruselas" in Spanish copy from
English facts naming "Brussels") reads as a misspelling: ``allowed_names`` takes such forms.

Option ``only_input_names`` (off by default; a news generator or an operator turns it on):
every capitalised word that does not begin a sentence, outside title-case fields, must come
from the input or from ``allowed_names``, for copy that may name nothing but its facts. It suits
languages that capitalise only names (en, fr, es, it, pt, ...), not German.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..checks import edit_distance
from ..problems import Problem
from .base import GateView, ProseField
from .tuning import tuned

NAME = "names"

DEFAULTS: dict[str, Any] = {
    "min_letters": 4,
    "max_edits": 2,
    "only_input_names": False,
    "allowed_names": [],
}

#: Words: runs of letters (apostrophes and hyphens split them: "Shenzhen's", "Springfield-based").
_WORD = re.compile(r"[^\W\d_]+")
#: Words as evidence of lower case: not inside links, e-mail addresses or slugs
#: ("the-new-shenzhen-metro"), whose words are in lower case whatever they name.
_PLAIN_WORD = re.compile(r"(?<![-_/.@:\w])[^\W\d_]+(?![-_/.@:]?[\w/])")
#: What may come before the first word of a sentence.
_SENTENCE_END = frozenset(".!?…:;\"'“”‘’«»()[]{}—–-•*#>|\n")
#: Languages that change a name's ending by case (primary subtags): two letters of leeway.
_INFLECTING = frozenset({"be", "bg", "bs", "cs", "el", "et", "fi", "hr", "hu", "hy", "is", "ka",
                         "lt", "lv", "mk", "pl", "ro", "ru", "sk", "sl", "sq", "sr", "tr", "uk"})
#: Languages that capitalise every noun: only names of seven letters or more are checked.
_NOUNS_CAPITALISED = frozenset({"de", "lb"})
#: Letters a name may gain at its end and still be the same name inflected.
_SUFFIX = 3


def check(view: GateView) -> list[Problem]:
    settings = tuned(view, NAME, DEFAULTS)
    rules = _Rules.of(settings, view.language)
    words = _Words(_input_words(tuple(view.input_texts)), view.prompt,
                   [f.text for f in view.fields])
    # Every field's capitalised words at once: most outputs misspell none, and then no field
    # needs reading on its own.
    everything = "\n".join(words.output)
    if not settings["only_input_names"] and not any(
            words.misspelt(_fold(word), rules) for word in _capitalised(everything,
                                                                        rules.min_letters)):
        return []
    problems = []
    for prose in view.fields:
        misspelt = _misspellings(prose, words, rules)
        problems.extend(misspelt.values())
        if settings["only_input_names"]:
            problems.extend(_unknown_names(prose, words, rules, set(misspelt)))
    return problems


@dataclass(frozen=True)
class _Rules:
    """The settings, as they apply to the language asked for."""

    min_letters: int  # the shortest word checked
    min_name: int  # the shortest name a word may misspell
    max_edits: int
    keep: int  # the last letters of a name its inflections may change
    allowed: frozenset[str]  # folded words of ``allowed_names``

    @classmethod
    def of(cls, settings: dict[str, Any], tag: str | None) -> _Rules:
        language = (tag or "").split("-")[0].lower()
        return cls(
            min_letters=settings["min_letters"],
            # German capitalises every noun: "Burg" is not a misspelling of "Berg".
            min_name=max(settings["min_letters"], 7 if language in _NOUNS_CAPITALISED else 0),
            max_edits=settings["max_edits"],
            keep=2 if language in _INFLECTING else 1,
            allowed=frozenset(_fold(word) for name in settings["allowed_names"]
                              for word in _WORD.findall(name)))


@dataclass
class _Words:
    """What the input, the prompt and the output say about words. Lower-case evidence costs a
    pass over the prompt and the output: it is taken only when a word needs it."""

    input: _Input
    prompt: str
    output: list[str]
    _lower: set[str] | None = field(default=None, repr=False)
    _misspelt: dict[str, str | None] = field(default_factory=dict, repr=False)

    def known(self, folded: str, rules: _Rules) -> bool:
        """A word of the input, or one the operator allows."""
        return folded in self.input.spelled or folded in rules.allowed

    def written_lower(self, folded: str) -> bool:
        if folded in self.input.lower:
            return True
        if self._lower is None:
            self._lower = _prompt_lower(self.prompt) | _lower_words(self.output)
        return folded in self._lower

    def misspelt(self, folded: str, rules: _Rules) -> str | None:
        """The input's name that the output's word ``folded`` misspells, if any; once per
        word for the whole output (fields repeat their names)."""
        if folded not in self._misspelt:
            found = None
            if not self.known(folded, rules):
                found = next(_near_names(folded, self, rules), None)
                if found is not None and self.written_lower(folded):
                    found = None
            self._misspelt[folded] = found
        return self._misspelt[folded]

    def name(self, folded: str) -> str | None:
        """The input's spelling of ``folded`` if the input uses it as a name."""
        spelled = self.input.spelled.get(folded)
        return spelled if spelled and spelled[0].isupper() and \
            not self.written_lower(folded) else None


def _misspellings(prose: ProseField, words: _Words, rules: _Rules) -> dict[str, Problem]:
    """Each misspelt word of the field, and its problem."""
    problems = {}
    for word in _capitalised(prose.text, rules.min_letters):
        name = words.misspelt(_fold(word), rules)
        if name is not None:
            problems[word] = Problem(
                field=prose.path, code="misspelt_name",
                message=f"spells {word!r} where the input has {name!r}: write the name "
                        "exactly as the input does")
    return problems


def _unknown_names(prose: ProseField, words: _Words, rules: _Rules,
                   misspelt: set[str]) -> list[Problem]:
    """One problem for the names of the field that the input does not give (``misspelt``
    ones aside: they have theirs), each multi-word name whole ("South China Sea")."""
    if _title_case(prose.text):
        return []  # a title-case headline: its capitals say nothing about names
    text = prose.text
    spans: list[list[int]] = []  # [start, end] of each unknown name, runs joined
    for match in _WORD.finditer(text):
        word = match.group()
        if len(word) < 2 or not word[0].isupper() or word in misspelt:
            continue
        folded = _fold(word)
        if words.known(folded, rules) or _starts_sentence(text, match.start()) \
                or words.written_lower(folded):
            continue
        if spans and text[spans[-1][1]:match.start()] == " ":
            spans[-1][1] = match.end()
        else:
            spans.append([match.start(), match.end()])
    unknown = list(dict.fromkeys(text[start:end] for start, end in spans))
    if not unknown:
        return []
    listed = ", ".join(repr(name) for name in unknown)
    return [Problem(field=prose.path, code="unknown_name",
                    message=f"names {listed}, which the input does not: name only the people, "
                            "places and organisations the input gives")]


def _capitalised(text: str, min_letters: int) -> Iterator[str]:
    """The distinct capitalised words of ``text`` of at least ``min_letters`` letters."""
    return (word for word in dict.fromkeys(_WORD.findall(text))
            if len(word) >= min_letters and word[0].isupper())


def _near_names(folded: str, words: _Words, rules: _Rules) -> Iterator[str]:
    """The input's names that ``folded`` misspells (see the module's docstring)."""
    for candidate in words.input.by_initial.get(folded[0], ()):
        allowed = min(rules.max_edits, 1 if len(candidate) <= 6 else 2)
        if len(candidate) < rules.min_name \
                or abs(len(candidate) - len(folded)) > allowed \
                or _inflected(folded, candidate, rules.keep) \
                or edit_distance(folded, candidate, allowed) > allowed:
            continue
        name = words.name(candidate)
        if name is not None:
            yield name


def _inflected(word: str, name: str, keep: int) -> bool:
    """One is the other with its last ``keep`` letters changed at most and at most
    ``_SUFFIX`` letters added."""
    shorter, longer = sorted((word, name), key=len)
    stem = max(len(shorter) - keep, 3)
    return longer.startswith(shorter[:stem]) and len(longer) - stem <= _SUFFIX + keep


@dataclass(frozen=True)
class _Input:
    spelled: dict[str, str]  # every word of the input, folded -> as written (capitalised if ever)
    by_initial: dict[str, list[str]]  # its capitalised words, folded, by first letter
    lower: frozenset[str]  # its words written in lower case, folded


@lru_cache(maxsize=64)
def _input_words(inputs: tuple[str, ...]) -> _Input:
    """Cached: the repair loop gates one input once per attempt."""
    # One findall over all the input's strings, each word folded once: a line break ends a
    # word as the end of a string does, and an input has dozens of strings.
    joined = "\n".join(inputs)
    spelled: dict[str, str] = {}
    for word in dict.fromkeys(_WORD.findall(joined)):
        folded = _fold(word)
        if folded not in spelled or spelled[folded].islower():
            spelled[folded] = word
    by_initial: dict[str, list[str]] = {}
    for folded, word in spelled.items():
        if word[0].isupper():
            by_initial.setdefault(folded[0], []).append(folded)
    return _Input(spelled, by_initial, frozenset(_lower_words((joined,))))


@lru_cache(maxsize=64)
def _prompt_lower(prompt: str) -> frozenset[str]:
    return frozenset(_lower_words((prompt,)))


def _lower_words(texts: Iterable[str]) -> set[str]:
    """The words written in lower case in ``texts``, folded (links and slugs left out)."""
    return {_fold(word) for text in texts for word in set(_PLAIN_WORD.findall(text))
            if word.islower()}


def _fold(word: str) -> str:
    """Without case and diacritics: "Müller" -> "muller"."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _starts_sentence(text: str, start: int) -> bool:
    index = start - 1
    while index >= 0 and text[index] in " \t":
        index -= 1
    return index < 0 or text[index] in _SENTENCE_END


def _title_case(text: str) -> bool:
    """Most words of four letters or more capitalised: a title-case headline."""
    long = [word for word in _WORD.findall(text) if len(word) >= 4]
    capitalised = sum(word[0].isupper() for word in long)
    return capitalised >= 3 and 4 * capitalised >= 3 * len(long)
