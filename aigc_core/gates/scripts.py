"""Writing systems: which script a language is written in, and how much of a text is in it.

A language detector can be fooled; a script cannot. Chinese prose has Han characters whatever
else it holds, so a field asked in Chinese and written in Latin letters only is wrong however
a detector scores it. Text is counted in *units* that weigh about the same across scripts: a
word of an alphabet (Latin, Cyrillic, Arabic, ...) is one unit, and so is each character of
Han, kana or Hangul, which carry about a word each. "Springfield 市议会启用了太阳能农场" is 1
Latin unit and 10 Han ones, so brand and place names left in Latin do not outweigh the prose.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

#: Code points of each script (the main blocks; enough to tell prose apart).
_RANGES: dict[str, str] = {
    "Latin": "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
    "Greek": "\u0370-\u03ff\u1f00-\u1fff",
    "Cyrillic": "\u0400-\u052f",
    "Armenian": "\u0530-\u058f",
    "Hebrew": "\u0590-\u05ff",
    "Arabic": "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff",
    "Devanagari": "\u0900-\u097f",
    "Bengali": "\u0980-\u09ff",
    "Gurmukhi": "\u0a00-\u0a7f",
    "Gujarati": "\u0a80-\u0aff",
    "Tamil": "\u0b80-\u0bff",
    "Telugu": "\u0c00-\u0c7f",
    "Kannada": "\u0c80-\u0cff",
    "Malayalam": "\u0d00-\u0d7f",
    "Sinhala": "\u0d80-\u0dff",
    "Thai": "\u0e00-\u0e7f",
    "Lao": "\u0e80-\u0eff",
    "Myanmar": "\u1000-\u109f",
    "Georgian": "\u10a0-\u10ff",
    "Ethiopic": "\u1200-\u137f",
    "Khmer": "\u1780-\u17ff",
    "Hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
    "Kana": "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f",
    "Han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef",
}
#: Scripts whose characters are units by themselves (see the module's docstring).
_CHARACTER_SCRIPTS = ("Hangul", "Kana", "Han")
_WIDE = "".join(_RANGES[name] for name in _CHARACTER_SCRIPTS)

#: A unit of any script: a word of letters outside the character scripts, or one character of
#: them. Counting with ``findall`` keeps the count in C: it runs on every prose field.
_ANY_UNIT = re.compile(f"[^\\W\\d_{_WIDE}]+|[{_WIDE}]")
#: A unit, named by its script: for messages only.
_NAMED_UNIT = re.compile("|".join(
    f"(?P<{name}>[{chars}]{'' if name in _CHARACTER_SCRIPTS else '+'})"
    for name, chars in _RANGES.items()))


def _written_in(codes: str, *names: str) -> dict[str, frozenset[str]]:
    return dict.fromkeys(codes.split(), frozenset(names))


#: The scripts each language is written in (primary subtag). Languages missing here are not
#: checked by script (the detector still checks those it knows).
LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    **_written_in("af az bs ca cs cy da de en eo es et eu fi fil fo fr fy ga gd gl ha hr ht hu "
                  "id ig is it jv la lb lt lv mg ms mt nb nl nn no oc pl pt qu ro rw sk sl sn "
                  "so sq sv sw tk tl tr uz vi wa xh yo zu", "Latin"),
    # Serbian is written in both alphabets.
    **_written_in("sr", "Cyrillic", "Latin"),
    **_written_in("ru uk be bg mk kk ky mn tg tt ba", "Cyrillic"),
    **_written_in("ar fa ur ps ug sd ckb", "Arabic"),
    **_written_in("hi mr ne sa", "Devanagari"),
    **_written_in("zh yue", "Han"), **_written_in("ja", "Han", "Kana"),
    **_written_in("ko", "Hangul", "Han"), **_written_in("he yi", "Hebrew"),
    **_written_in("el", "Greek"), **_written_in("hy", "Armenian"),
    **_written_in("ka", "Georgian"), **_written_in("bn as", "Bengali"),
    **_written_in("pa", "Gurmukhi"), **_written_in("gu", "Gujarati"),
    **_written_in("ta", "Tamil"), **_written_in("te", "Telugu"), **_written_in("kn", "Kannada"),
    **_written_in("ml", "Malayalam"), **_written_in("si", "Sinhala"), **_written_in("th", "Thai"),
    **_written_in("lo", "Lao"), **_written_in("my", "Myanmar"), **_written_in("am ti", "Ethiopic"),
    **_written_in("km", "Khmer"),
}

#: ISO 15924 script subtags of a tag (``zh-Hant``, ``sr-Latn``) that override the table.
_SCRIPT_SUBTAGS: dict[str, frozenset[str]] = {
    "latn": frozenset({"Latin"}), "cyrl": frozenset({"Cyrillic"}),
    "arab": frozenset({"Arabic"}), "hans": frozenset({"Han"}), "hant": frozenset({"Han"}),
    "hani": frozenset({"Han"}), "jpan": frozenset({"Han", "Kana"}),
    "kore": frozenset({"Hangul", "Han"}), "deva": frozenset({"Devanagari"}),
    "grek": frozenset({"Greek"}), "hebr": frozenset({"Hebrew"}),
}


def scripts_of(tag: str) -> frozenset[str]:
    """The scripts a language tag is written in (empty: unknown, not checked)."""
    language, *subtags = tag.lower().split("-")
    for subtag in subtags:
        if subtag in _SCRIPT_SUBTAGS:
            return _SCRIPT_SUBTAGS[subtag]
    return LANGUAGE_SCRIPTS.get(language, frozenset())


def units(text: str) -> int:
    """Units of text in any script."""
    return len(_ANY_UNIT.findall(text))


def units_in(text: str, scripts: frozenset[str]) -> int:
    """Units of text in ``scripts``."""
    return len(_units_of(scripts).findall(text))


def main_script(text: str) -> str:
    """The script most of the text is in (``""`` for none)."""
    counted = Counter(match.lastgroup for match in _NAMED_UNIT.finditer(text))
    return str(counted.most_common(1)[0][0]) if counted else ""


@lru_cache(maxsize=64)
def _units_of(scripts: frozenset[str]) -> re.Pattern[str]:
    alphabets = "".join(_RANGES[name] for name in scripts if name not in _CHARACTER_SCRIPTS)
    characters = "".join(_RANGES[name] for name in scripts if name in _CHARACTER_SCRIPTS)
    # A word counts for the script of its first letter, as _ANY_UNIT counts it once.
    parts = [f"[{alphabets}][^\\W\\d_{_WIDE}]*"] if alphabets else []
    parts += [f"[{characters}]"] if characters else []
    return re.compile("|".join(parts))
