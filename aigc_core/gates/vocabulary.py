"""The vocabulary gate: copy written in words that the language does not have.

A small model asked for a language it barely knows writes text that looks like it: the
embedded model's Russian summary of a park's reopening was Cyrillic, passed the language gate
(the script and the letters are right) and was made of invented words. A field asked in a
language of ``languages`` is flagged when, of its words of at least ``min_letters`` letters
that the job's input does not have, at least ``min_unknown``, and at least ``max_share`` of
them, are written in lower case and are neither in the language's word list (``lexicon``:
every form seen in 100 million words of text) nor in ``allowed_words``. Capitalised words
never count as unknown: names, and German nouns, need not be in any list. Links, e-mail
addresses, markup and placeholders are left out; a word with an apostrophe is known when its
parts are ("l'électricité").

Copy left in English is not this gate's to find: web text puts common English words in
every list ("delivery" is in the Spanish one); the language and translation gates find it.

Settings (``[gates.vocabulary]``), with their defaults, calibrated on 301 real texts of 8
words or more in the default languages: the language gate's hand-written texts, the inputs
of ``evals/`` and prose fields of real embedded-model outputs (``tests/fixtures/gates/``).
None holds more than 2 unknown words ("aigc" and "gguf" in the README's demo outputs,
"reablement" twice in 1,000 words); the ru-park summary that prompted the gate holds 6
(``answer_vocabulary_summary_ru_park.json``):

- ``languages``: en, de, fr, es, it, pt, nl, ru, the languages it was calibrated on; any
  other language with a large wordfreq list may be added (``lexicon.available()``);
- ``min_letters = 4``: shorter words are mostly the language's commonest;
- ``min_unknown = 3``: one or two rare words (a term of art, a new loanword) never fail a
  field;
- ``max_share = 0.2``: a fifth of a field's checked words;
- ``allowed_words = []``: words an operator's copy uses that no list has (brands in lower
  case, product terms).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .. import lexicon
from ..checks import quote
from ..errors import ConfigError
from ..language import language_name
from ..problems import Problem
from . import identify
from .base import GateView
from .tuning import tuned
from .words import words

NAME = "vocabulary"

DEFAULTS: dict[str, Any] = {
    "languages": ["en", "de", "fr", "es", "it", "pt", "nl", "ru"],
    "min_letters": 4,
    "min_unknown": 3,
    "max_share": 0.2,
    "allowed_words": [],
}

#: Unknown words quoted in a problem, at most.
_QUOTED = 5


def check(view: GateView) -> list[Problem]:
    if not view.language:
        return []
    settings = tuned(view, NAME, DEFAULTS)
    language = view.language.split("-", 1)[0].lower()
    if language not in settings["languages"]:
        return []
    _check_languages(tuple(settings["languages"]))
    given = _input_words(tuple(view.input_texts))
    allowed = frozenset(_folded(settings["allowed_words"]))
    least = settings["min_letters"]

    def checked(key: str) -> bool:
        """A word this gate looks up: long enough, all letters, not the input's."""
        return len(key) >= least and key not in given and key not in allowed \
            and key.replace("'", "").isalpha()

    # Each field's words as every gate reads them (``words``, shared and cached). Each
    # distinct word of the output is looked up once; only a field holding an unknown one is
    # read word by word, and whether a word is written in lower case is asked only of those.
    found = [(field, words(identify.unmarked(field.text)).keys) for field in view.fields]
    # The set operations run in C; only the words the input lacks are checked one by one.
    distinct = [key for key in set().union(*(keys for _, keys in found)) - given
                if checked(key)]
    unknown_keys = {key for key, known in zip(distinct, lexicon.known(language, distinct),
                                              strict=True)
                    if not known and not _elided(key, language)}
    problems = []
    for field, keys in found:
        if unknown_keys.isdisjoint(keys):
            continue
        counted = [key for key in keys if checked(key)]
        unknown = [key for key in counted if key in unknown_keys and _lower_in(key, field.text)]
        if len(unknown) >= settings["min_unknown"] and \
                len(unknown) >= settings["max_share"] * len(counted):
            problems.append(_problem(field.path, unknown, len(counted), language))
    return problems


def _lower_in(key: str, text: str) -> bool:
    """Whether ``text`` writes the word in lower case: a capitalised one is a name, or a
    German noun, which no list need hold."""
    return re.search(rf"(?<!\w){re.escape(key)}(?!\w)", text.replace("’", "'")) is not None


def _folded(found: list[str]) -> list[str]:
    """Each word case-folded, in one call for all: "straße" is "strasse" in every list."""
    return "\n".join(found).casefold().replace("’", "'").split("\n") if found else []


def _elided(word: str, language: str) -> bool:
    """A word with an apostrophe whose parts are all words ("l'électricité", "dell'arte"
    are listed whole or split by language)."""
    if "'" not in word:
        return False
    parts = [part for part in word.split("'") if part]
    return all(lexicon.known(language, parts))


@lru_cache(maxsize=64)
def _input_words(inputs: tuple[str, ...]) -> frozenset[str]:
    """Every word of the input, case-folded: the output may use the input's own terms
    (read by ``words``, as the echo and repetition gates read them: cached, shared)."""
    return frozenset(key for text in inputs for key in words(text).keys)


@lru_cache(maxsize=8)
def _check_languages(languages: tuple[str, ...]) -> None:
    missing = sorted(set(languages) - lexicon.available())
    if missing:
        raise ConfigError(f"gates.{NAME}.languages: no word list for {', '.join(missing)}; "
                          f"available: {', '.join(sorted(lexicon.available()))}")


def _problem(path: str, unknown: list[str], checked: int, language: str) -> Problem:
    distinct = list(dict.fromkeys(unknown))
    shown = ", ".join(quote(word) for word in distinct[:_QUOTED])
    more = f" and {len(distinct) - _QUOTED} more" if len(distinct) > _QUOTED else ""
    name = language_name(language)
    return Problem(field=path, code="unknown_words",
                   message=f"{len(unknown)} of its {checked} words that the input does not "
                           f"have are not {name} words: {shown}{more}; write real {name} "
                           "words, spelled as a dictionary has them")
