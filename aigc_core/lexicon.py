"""Which words a language has, and how common each is: wordfreq's lists, inside its wheel.

wordfreq's "large" lists hold every word form seen at least once in 100 million words of
its sources (Wikipedia, subtitles, news, books, web text, ...), lower-cased: 713,000 forms for
Russian, 635,000 for German, 321,000 for English. Nothing is downloaded, at install or at run
time. A list as a Python dict would cost about 75 MB per language and process, so each is kept
as a sorted array of its words' hashes (8 bytes a word: 5.7 MB for Russian) beside each word's
frequency (2 bytes), loaded on first use (0.1 to 0.7 s) and looked up for many words at once.
``hash`` of a string differs between processes but not within one, which is all a process's
own array needs; two words of one list sharing a 64-bit hash would make one of them look
known, one chance in 10^13.

Frequencies are on the Zipf scale, as ``wordfreq.zipf_frequency`` gives them: log10 of a
word's occurrences per billion words, 0 for a word not in the list. 7 is "the", 5 a common
word ("museum" in English: 4.71), 3 once in a million words ("museum" in Spanish web text:
3.27), 1 the rarest listed.

>>> known("en", ["museum", "museé"])
[True, False]
>>> zipf("es", ["museo", "museum", "museé"])
[4.67, 3.27, 0.0]

wordfreq is imported on first use: a process that only submits jobs never loads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

#: Languages with a "large" list whose words are written with spaces between them (Chinese
#: and Japanese lists need a segmenter this module does not have).
_SEGMENTED = frozenset({"zh", "ja"})
#: wordfreq's lists are buckets of one centibel each, the first holding a frequency of 1; a
#: word in bucket ``i`` has the Zipf frequency ``_ZIPF_TOP - i / 100``.
_ZIPF_TOP = 9.0


class _Table(NamedTuple):
    #: The sorted hashes of the language's words.
    hashes: Any
    #: Each word's bucket (centibels below a frequency of 1), in the order of ``hashes``.
    buckets: Any


@cache
def available() -> frozenset[str]:
    """The languages whose large word list can be used."""
    import wordfreq

    return frozenset(wordfreq.available_languages(wordlist="large")) - _SEGMENTED


def known(language: str, words: Sequence[str]) -> list[bool]:
    """Whether each of ``words`` (case-folded) is a word form of ``language``'s list."""
    return [found >= 0 for found in _find(language, words)]


def zipf(language: str, words: Sequence[str]) -> list[float]:
    """The Zipf frequency of each of ``words`` (case-folded) in ``language``: 0.0 for a word
    the list does not have."""
    places = _find(language, words)
    if not places:  # an empty list loads no table
        return []
    buckets = _table(language).buckets
    return [0.0 if found < 0 else round(_ZIPF_TOP - int(buckets[found]) / 100, 2)
            for found in places]


def _find(language: str, words: Sequence[str]) -> list[int]:
    """The place of each word in the language's table, -1 where it is not there."""
    import numpy as np

    if not words:
        return []
    hashes = _table(language).hashes
    wanted = np.fromiter((hash(word) for word in words), dtype=np.int64, count=len(words))
    at = np.minimum(np.searchsorted(hashes, wanted), len(hashes) - 1)
    return np.where(hashes[at] == wanted, at, -1).tolist()


@cache
def _table(language: str) -> _Table:
    """The language's words as sorted hashes with their buckets (wordfreq normalises words as
    ``casefold`` does: "Straße" is listed as "strasse")."""
    import numpy as np
    import wordfreq

    # Read from the file, not through get_frequency_list: that caches the whole list (tens of
    # megabytes) for the life of the process, which is what the hashes are here to avoid.
    buckets = wordfreq.read_cBpack(wordfreq.available_languages(wordlist="large")[language])
    count = sum(len(bucket) for bucket in buckets)
    hashes = np.fromiter((hash(word) for bucket in buckets for word in bucket),
                         dtype=np.int64, count=count)
    depth = np.repeat(np.arange(len(buckets), dtype=np.uint16),
                      [len(bucket) for bucket in buckets])
    order = np.argsort(hashes, kind="stable")
    return _Table(hashes[order], depth[order])
