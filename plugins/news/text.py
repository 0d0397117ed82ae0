"""Deterministic text clean-up: what code does better than a model.

Constrained decoding stops a string at its maximum length wherever it is, often inside a word;
these helpers cut such text back to whole words or whole sentences.
"""

from __future__ import annotations

import re
import unicodedata

#: Quotation marks a model wraps a whole headline in, by opening mark.
_WRAPPERS = {'"': '"', "“": "”", "'": "'", "‘": "’", "«": "»"}
#: English words a shortened line must not end on ("Council approves plan for").
_DANGLING = frozenset({
    "a", "an", "the", "of", "to", "for", "and", "or", "but", "so", "with", "in", "on", "at",
    "by", "from", "as", "into", "about", "after", "before", "over", "under", "between", "than",
    "its", "their", "his", "her", "our", "my", "your", "it", "they", "he", "she", "we", "which",
    "who", "that", "this", "these", "those", "is", "are", "was", "were", "be", "been", "being",
    "has", "have", "had", "will", "would", "can", "could", "should", "may", "might", "must",
    "not", "also", "very", "more", "most",
})
_TRAILING_PUNCTUATION = ",;:-–—/&(['\"“‘«"
_LEADING_PUNCTUATION = ",;:.-–—/&[]{})"
#: Where a clause ends inside a line: a shortened line ends there rather than mid-clause.
_CLAUSE_BREAK = re.compile(r"\s*[;:,–—]\s")
_SENTENCE_END = re.compile(r"[.!?…][\"”’)»]?(?=\s|$)")
#: A sentence end inside a line: after a lower-case letter or digit ("U.S. Farm" is no end),
#: before a capital.
_INNER_SENTENCE_END = re.compile(r"(?<=[a-z0-9])[.!?](?=\s+[A-Z])")


def tidy(text: str) -> str:
    """Collapse runs of whitespace (models emit stray newlines and double spaces) and trim."""
    return " ".join(text.split())


def end_cleanly(text: str) -> str:
    """``text`` without a dangling function word or punctuation at its end ("... plans to")."""
    words = text.split()
    # A word of punctuation only strips to "", which dangles as much as "the" does.
    while words and words[-1].casefold().strip(_TRAILING_PUNCTUATION) in _DANGLING | {""}:
        words.pop()
    return " ".join(words).rstrip(_TRAILING_PUNCTUATION + " ")


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, or at the end of a
    clause in its second half, and ended cleanly. Unchanged when it fits, or when no whole word
    fits (the length check then reports it)."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    # Whole words only: the last one was cut unless a space follows it.
    cut = " ".join(head.split() if head[-1].isspace() else head.split()[:-1])
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(cut) if m.start() >= limit // 2]
    return end_cleanly(cut[: breaks[-1]] if breaks else cut) or text


def whole_sentences(text: str) -> str:
    """``text`` without an unfinished last sentence, unless that would leave nothing."""
    ends = [match.end() for match in _SENTENCE_END.finditer(text)]
    return text[: ends[-1]] if ends else text


def clean_sentences(text: str) -> str:
    """A tidy paragraph, sentence or phrase that starts with a capital and ends where a
    sentence ends, or at least not on a dangling word."""
    text = end_cleanly(whole_sentences(tidy(text)))
    return text[:1].upper() + text[1:]


def headline(text: str, limit: int) -> str:
    """A tidy headline of at most ``limit`` characters: one sentence, no stray punctuation at
    its start, no quotation marks around the whole of it, no full stop at its end."""
    text = tidy(text).lstrip(_LEADING_PUNCTUATION + " ")
    text = _INNER_SENTENCE_END.split(text, maxsplit=1)[0]
    closing = _WRAPPERS.get(text[:1])
    if closing and len(text) > 1 and text.endswith(closing) and text.count(closing) <= 2:
        text = text[1:-1].strip()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    return shorten(text, limit)


def slugify(text: str, max_chars: int = 60) -> str:
    """A URL slug: lower-case words joined by hyphens, cut at a word boundary.

    Accents are transliterated ("Zürich" -> "zurich"); a text with no Latin letters or digits
    (Chinese, Greek) keeps its own letters rather than becoming empty.
    """
    ascii_form = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = ascii_form if re.search(r"[A-Za-z0-9]", ascii_form) else text
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFKC", base).casefold())
    slug = words[0][:max_chars] if words else ""
    for word in words[1:]:
        if len(slug) + 1 + len(word) > max_chars:
            break
        slug = f"{slug}-{word}"
    return slug
