"""Small, reusable checks for plugin validators. Each returns a list of ``Problem``.

>>> from aigc_core.checks import max_length, distinct
>>> max_length("seo.title", "A very long title ...", 60)
[]
>>> [(p.field, p.code) for p in distinct("headlines", ["Solar is up", "solar is up!"])]
[('headlines[1]', 'duplicate')]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from .problems import Problem

Counter = Callable[[str], int]


def display_width(text: str) -> int:
    """Characters counted the way ad platforms count them: East Asian wide and full-width
    characters (CJK, full-width forms) count 2, everything else 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def max_length(field: str, text: str, limit: int, counter: Counter = len,
               unit: str = "characters") -> list[Problem]:
    size = counter(text)
    if size > limit:
        return [Problem(field=field, code="too_long",
                        message=f"is {size} {unit}; at most {limit} allowed, shorten it")]
    return []


def min_length(field: str, text: str, limit: int, counter: Counter = len,
               unit: str = "characters") -> list[Problem]:
    size = counter(text)
    if size < limit:
        return [Problem(field=field, code="too_short",
                        message=f"is {size} {unit}; at least {limit} needed")]
    return []


def count_between(field: str, items: Sequence[object], low: int, high: int) -> list[Problem]:
    if not low <= len(items) <= high:
        wanted = f"exactly {low}" if low == high else f"between {low} and {high}"
        return [Problem(field=field, code="count",
                        message=f"has {len(items)} items; {wanted} required")]
    return []


def normalise(text: str) -> str:
    """Case-, space- and punctuation-insensitive form used to spot duplicates."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def distinct(field: str, items: Sequence[str]) -> list[Problem]:
    """Items must differ beyond case, spacing and punctuation."""
    seen: dict[str, int] = {}
    problems = []
    for index, item in enumerate(items):
        key = normalise(item)
        if key in seen:
            problems.append(Problem(field=f"{field}[{index}]", code="duplicate",
                                    message=f"repeats {field}[{seen[key]}] ({item!r}); "
                                            "write a different variant"))
        else:
            seen[key] = index
    return problems


def edit_distance(a: Sequence[str], b: Sequence[str], limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b`` if it is at most ``limit``, else ``limit + 1``:
    of strings by characters, of lists of words by words.

    >>> edit_distance("Shenzel", "Shenzhen", 2), edit_distance("Springfield", "Spring", 2)
    (2, 3)
    """
    far = limit + 1
    # Their common start and end change nothing ("Shenz-el" and "Shenz-hen"), and only cells
    # within ``limit`` of the diagonal can hold a distance of at most ``limit``.
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start:len(a) - end], b[start:len(b) - end]
    if abs(len(a) - len(b)) > limit:
        return far
    previous = [j if j <= limit else far for j in range(len(b) + 1)]
    for i, char in enumerate(a, 1):
        current = [i if i <= limit else far] + [far] * len(b)
        low, high = max(1, i - limit), min(len(b), i + limit)
        for j in range(low, high + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (char != b[j - 1]))
        if min(current[low - 1:high + 1]) > limit:
            return far
        previous = current
    return min(previous[-1], far)


def _near_miss_limit(word: str) -> int:
    # One letter in a short word ("is" for "ist"), two in a long one.
    return 1 if len(word) < 6 else 2


def restates(text: str, original: str) -> bool:
    """``text`` adds no word to ``original``: each of its words is one of ``original``'s or
    a near miss of one (a letter or two changed: "Die Fotosynthese is der Vorgang" restates
    "Die Fotosynthese ist der Vorgang"). An answer that restates its question teaches nothing.

    >>> restates("Osmosis", "What is osmosis?"), restates("Paris", "Capital of France?")
    (True, False)
    """
    had = set(normalise(original).split())
    words = normalise(text).split()
    return bool(words) and all(
        word in had or any(edit_distance(word, other, _near_miss_limit(word))
                           <= _near_miss_limit(word) for other in had)
        for word in words)


_LETTER = re.compile(r"[^\W\d_]")
#: Letters joined by an underscore: a key such as "bloom_level", never prose.
_KEY = re.compile(r"[^\W\d_]_[^\W\d_]")


def quote(text: str, limit: int = 40) -> str:
    """The text as a problem message shows it, cut short: repair prompts must stay small."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def written_in_words(field: str, text: str, fewest_letters: int = 2) -> list[Problem]:
    """Text in words, not a number, a code or a key: at least ``fewest_letters`` letters,
    letters at least half of the characters that are not spaces, and no ``snake_case``. Under
    a schema a small model writes "1.1.1.1" where a headline belongs, or echoes a key
    ("bloom_level") as a question; both fit every length and count limit.

    >>> written_in_words("headlines[0]", "Save 20% on solar panels")
    []
    >>> [p.code for p in written_in_words("h", "1.1.1.1") + written_in_words("q", "bloom_level")]
    ['not_prose', 'not_prose']
    """
    letters = len(_LETTER.findall(text))
    if letters < fewest_letters or 2 * letters < sum(not ch.isspace() for ch in text):
        return [Problem(field=field, code="not_prose",
                        message=f"{quote(text)} is not written in words; write it out in "
                                "words (letters at least half of it)")]
    if _KEY.search(text):
        return [Problem(field=field, code="not_prose",
                        message=f"{quote(text)} looks like a field name; write the text itself")]
    return []


def not_blank(field: str, text: str) -> list[Problem]:
    if not text.strip():
        return [Problem(field=field, code="empty", message="is empty")]
    return []
