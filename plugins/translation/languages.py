"""Languages: detection with py3langid, names for prompts, expected length of a translation.

Codes are BCP 47 tags (``fr``, ``pt-BR``, ``zh-Hans``); detection and the tables below work on
the primary subtag (``pt``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: Below this many letters the language of a text is not checked: py3langid's guesses on a
#: word or two ("Salut", "Save changes") are unreliable, and UI strings are often that short.
MIN_DETECTABLE_LETTERS = 20

#: An output passes the language check when the target has at least this probability among
#: every language py3langid knows: close relatives (fr/oc, es/gl, no/da) split the mass on
#: short texts, so demanding the top spot would fail good translations.
MIN_TARGET_PROBABILITY = 0.2


@dataclass(frozen=True)
class Language:
    name: str
    #: Characters of this language per character of English for the same content: the
    #: usual localisation rule of thumb (German runs ~20% longer, Chinese ~65% shorter).
    expansion: float


LANGUAGES: dict[str, Language] = {
    "ar": Language("Arabic", 0.95), "bg": Language("Bulgarian", 1.1),
    "bn": Language("Bengali", 1.0), "ca": Language("Catalan", 1.2),
    "cs": Language("Czech", 1.05), "cy": Language("Welsh", 1.1),
    "da": Language("Danish", 1.05), "de": Language("German", 1.2),
    "el": Language("Greek", 1.2), "en": Language("English", 1.0),
    "es": Language("Spanish", 1.2), "et": Language("Estonian", 1.0),
    "eu": Language("Basque", 1.1), "fa": Language("Persian", 1.0),
    "fi": Language("Finnish", 1.1), "fr": Language("French", 1.2),
    "ga": Language("Irish", 1.2), "gl": Language("Galician", 1.2),
    "he": Language("Hebrew", 0.85), "hi": Language("Hindi", 1.1),
    "hr": Language("Croatian", 1.05), "hu": Language("Hungarian", 1.15),
    "id": Language("Indonesian", 1.15), "it": Language("Italian", 1.15),
    "ja": Language("Japanese", 0.5), "ko": Language("Korean", 0.55),
    "lt": Language("Lithuanian", 1.05), "lv": Language("Latvian", 1.05),
    "ms": Language("Malay", 1.15), "nb": Language("Norwegian Bokmål", 1.05),
    "nl": Language("Dutch", 1.15), "no": Language("Norwegian", 1.05),
    "pl": Language("Polish", 1.15), "pt": Language("Portuguese", 1.2),
    "ro": Language("Romanian", 1.15), "ru": Language("Russian", 1.1),
    "sk": Language("Slovak", 1.05), "sl": Language("Slovenian", 1.05),
    "sr": Language("Serbian", 1.05), "sv": Language("Swedish", 1.05),
    "sw": Language("Swahili", 1.1), "th": Language("Thai", 0.95),
    "tl": Language("Tagalog", 1.25), "tr": Language("Turkish", 1.05),
    "uk": Language("Ukrainian", 1.1), "ur": Language("Urdu", 1.0),
    "vi": Language("Vietnamese", 1.15), "zh": Language("Chinese", 0.35),
}

#: A translation's length may be this far below or above the pair's expected length: wide,
#: because sentences vary; the check is there to catch a dropped paragraph or a rambling model.
LENGTH_TOLERANCE = (0.5, 2.0)
#: Characters of leeway below and above, so that one-word strings are not held to a ratio
#: ("OK" -> "D'accord"); small below, so that a short string cut in half still fails.
LENGTH_SLACK = (3, 15)


#: Languages close enough to share whole phrases (Spanish and Italian "la casa", Danish and
#: Norwegian "en stor by"): a translation between two of a group keeps more words as they are.
_CLOSE = (
    frozenset({"es", "pt", "gl", "ca", "it", "fr", "ro", "oc"}),
    frozenset({"da", "nb", "nn", "no", "sv"}),
    frozenset({"cs", "sk"}), frozenset({"hr", "sr", "bs", "sl"}),
    frozenset({"ru", "uk", "be", "bg"}), frozenset({"id", "ms"}), frozenset({"nl", "af"}),
)

UNDETERMINED = "und"
#: Codes py3langid knows under another name.
_ALIASES = {"nb": "no"}


def primary(code: str) -> str:
    return code.split("-", 1)[0].lower()


def name(code: str) -> str:
    """``"fr"`` -> ``"French"``, ``"pt-BR"`` -> ``"Portuguese (pt-BR)"``; unknown codes as given."""
    known = LANGUAGES.get(primary(code))
    if known is None:
        return code
    return known.name if "-" not in code else f"{known.name} ({code})"


@lru_cache(maxsize=1024)
def probabilities(text: str) -> dict[str, float]:
    """Each language's probability for a text (py3langid's scores, normalised)."""
    ranked = _rank(text)
    best = ranked[0][1]
    weights = {lang: math.exp(score - best) for lang, score in ranked}
    total = sum(weights.values())
    return {lang: weight / total for lang, weight in weights.items()}


def detect(text: str) -> str:
    """The most likely language of a text (py3langid's code, e.g. ``"en"``); ``"und"``
    (undetermined) for a text without letters."""
    if not letters(text):
        return UNDETERMINED
    scores = probabilities(text)
    return max(scores, key=scores.__getitem__)


def probability(text: str, code: str) -> float:
    """How likely ``text`` is in the language ``code``."""
    return probabilities(text).get(_identified_as(code), 0.0)


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


@lru_cache(maxsize=1)
def _identifiable() -> frozenset[str]:
    return frozenset(lang for lang, _ in _rank(""))  # rank lists every language


def _rank(text: str) -> Any:
    # Imported on first use: py3langid imports numpy (60 ms), which every `aigc` command
    # would otherwise pay for on start, translating or not.
    import py3langid

    return py3langid.rank(text)


def identifiable(code: str) -> bool:
    """Whether py3langid can recognise the language at all."""
    return _identified_as(code) in _identifiable()


def _identified_as(code: str) -> str:
    return _ALIASES.get(primary(code), primary(code))


def length_bounds(source: str, target: str, source_length: int) -> tuple[int, int]:
    """The sane range of a translation's length, for a source of ``source_length`` characters."""
    ratio = _expansion(target) / _expansion(source)
    low, high = LENGTH_TOLERANCE
    below, above = LENGTH_SLACK
    return (max(0, math.floor(source_length * ratio * low) - below),
            math.ceil(source_length * ratio * high) + above)


def close(source: str, target: str) -> bool:
    """Whether two languages are close enough to share whole phrases."""
    pair = {primary(source), primary(target)}
    return any(pair <= group for group in _CLOSE)


def _expansion(code: str) -> float:
    known = LANGUAGES.get(primary(code))
    return known.expansion if known else 1.0
