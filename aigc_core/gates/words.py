"""Words and sentences as the text gates compare them.

A *word* is a run of letters and digits (``town's`` is one word, ``well-known`` two), compared
without case; a Chinese or Japanese character is a word by itself, since those scripts put no
spaces between words. Gates match word sequences rather than raw text, so that punctuation,
spacing and case cannot hide a repeat ("quote only their exact words; Quote only their exact
words") and a match can still be quoted from the text as it was written.

Every gate runs on every field of every answer (the issue's budget: all gates together within
2 ms on a 1,000-word article), so words are found by ``findall`` in C, once per text
(``words`` is cached: the gates of one answer share its fields' words), and where each word was
written is looked up only to quote a problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..checks import quote

#: Kana and Han: scripts written without spaces, where each character counts as a word.
WIDE = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WIDE = re.compile(f"[{WIDE}]")
#: Where a sentence ends: after . ! ? … and any closing quote or bracket, before a space; a
#: CJK full stop; a line break.
_END = "[.!?…][\"'”’»)\\]]*(?=\\s|$)|[。！？]|\n"
#: A word, in text without and with Chinese or Japanese characters: ``\w`` is much faster to
#: find than a class that singles those characters out, and most text has none.
_WORD = r"\w+(?:['’]\w+)*"
_WIDE_WORD = f"[{WIDE}]|[^\\W{WIDE}]+(?:['’][^\\W{WIDE}]+)*"
#: A word (the group) or a sentence end (no group: ``findall`` gives "" for it).
_TOKENS = {False: re.compile(f"({_WORD})|{_END}"), True: re.compile(f"({_WIDE_WORD})|{_END}")}
_WORDS = {False: re.compile(_WORD), True: re.compile(_WIDE_WORD)}
#: The last words of a text, for the words that cannot end it ("Profitez-en", "town's").
_LAST_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class Words:
    """A text's words, case-folded for comparing: ``keys[i]`` is the i-th word, and
    ``sentences[j]`` the j-th sentence's words joined by line breaks."""

    text: str
    keys: tuple[str, ...]
    sentences: tuple[str, ...]
    wide_characters: int = 0
    """How many Chinese or Japanese characters the text holds."""

    def spans(self) -> list[tuple[int, int]]:
        """Where each word was written (found again: only problems and prompts need it)."""
        pattern = _WORDS[self.wide_characters > 0]
        return [match.span() for match in pattern.finditer(self.text)]

    def excerpt(self, start: int, stop: int) -> str:
        """Words ``start`` to ``stop`` (exclusive) as written, quoted for a problem message."""
        spans = self.spans()
        return quote(self.text[spans[start][0]:spans[stop - 1][1]])

    def sentence(self, index: int) -> str:
        """Sentence ``index`` as written, quoted for a problem message."""
        start = sum(sentence.count("\n") + 1 for sentence in self.sentences[:index])
        return self.excerpt(start, start + self.sentences[index].count("\n") + 1)

    def grams(self, size: int) -> Iterator[tuple[str, ...]]:
        return grams(self.keys, size)

    def wide(self) -> bool:
        """Mostly Chinese or Japanese characters: a run of them holds fewer words than its
        length says, so thresholds in words are doubled for it."""
        return 2 * self.wide_characters > len(self.keys)


@lru_cache(maxsize=512)
def words(text: str) -> Words:
    # One findall for words and sentence ends, one case-fold of them all joined: C, not a
    # Python loop over words. A sentence end is an empty line between two words.
    wide = len(_WIDE.findall(text)) if _WIDE.search(text) else 0
    folded = "\n".join(_TOKENS[wide > 0].findall(text)).casefold().replace("’", "'")
    return Words(text, tuple(filter(None, folded.split("\n"))),
                 tuple(filter(None, (piece.strip("\n") for piece in folded.split("\n\n")))),
                 wide)


def last_words(text: str, count: int = 2) -> list[tuple[str, int]]:
    """The last ``count`` words of a text, case-folded, each with where it starts; read from
    the text's end only, however long it is."""
    offset = max(0, len(text) - 40 * count)
    found = list(_LAST_WORD.finditer(text, offset))[-count:]
    return [(match.group().casefold().replace("’", "'"), match.start()) for match in found]


def grams(keys: tuple[str, ...], size: int) -> Iterator[tuple[str, ...]]:
    """Every run of ``size`` words, in the order they start."""
    return zip(*(keys[offset:] for offset in range(size)), strict=False)
