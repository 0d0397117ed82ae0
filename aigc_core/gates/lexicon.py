"""Which words a language has: the word lists of wordfreq, shipped inside its wheel.

wordfreq's "large" lists hold every word form seen at least once in 100 million words of
its sources (Wikipedia, subtitles, news, books, web text, ...), lower-cased: 713,000 forms for
Russian, 635,000 for German, 321,000 for English. Nothing is downloaded, at install or at run
time. A list as a Python set would cost about 75 MB per language and process, so each is kept
as a sorted array of its words' hashes (8 bytes a word: 5.7 MB for Russian), loaded on first
use (0.1 to 0.7 s) and looked up for many words at once. ``hash`` of a string differs between
processes but not within one, which is all a process's own array needs; two words of one
list sharing a 64-bit hash would make one of them look known, one chance in 10^13.

wordfreq is imported on first use: a process that only submits jobs never loads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

#: Languages with a "large" list whose words are written with spaces between them (Chinese
#: and Japanese lists need a segmenter this gate does not have).
_SEGMENTED = frozenset({"zh", "ja"})


@cache
def available() -> frozenset[str]:
    """The languages whose large word list can be used."""
    import wordfreq

    return frozenset(wordfreq.available_languages(wordlist="large")) - _SEGMENTED


def known(language: str, words: Sequence[str]) -> list[bool]:
    """Whether each of ``words`` (case-folded) is a word form of ``language``'s list."""
    import numpy as np

    if not words:
        return []
    table = _table(language)
    wanted = np.fromiter((hash(word) for word in words), dtype=np.int64, count=len(words))
    at = np.minimum(np.searchsorted(table, wanted), len(table) - 1)
    return (table[at] == wanted).tolist()


@cache
def _table(language: str) -> Any:
    """The sorted hashes of the language's words (wordfreq normalises them as ``casefold``
    does: "Straße" is listed as "strasse")."""
    import numpy as np
    import wordfreq

    # Read from the file, not through get_frequency_list: that caches the whole list (tens of
    # megabytes) for the life of the process, which is what the hashes are here to avoid.
    buckets = wordfreq.read_cBpack(wordfreq.available_languages(wordlist="large")[language])
    count = sum(len(bucket) for bucket in buckets)
    table = np.fromiter((hash(word) for bucket in buckets for word in bucket),
                        dtype=np.int64, count=count)
    table.sort()
    return table
