"""Protected spans: found, swapped for numbered tokens before the model sees a text, restored after.

A placeholder such as ``{name}`` or a tag such as ``<b>`` must come back byte for byte, which a
small model cannot be trusted to do. So every protected span becomes an opaque token ``<x1/>``
(short, XML-like: models copy it as a unit), and ``restore`` puts the original back, reporting
a ``Problem`` for every token the model lost, duplicated, invented or moved illegally.

>>> masked = mask("Hi {name}!", [placeholders])
>>> masked.text
'Hi <x1/>!'
>>> restore("Salut <x1/> !", masked.tokens).text
'Salut {name} !'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aigc_core import Problem

#: How a token may move in a translation. ``free``: anywhere (word order changes between
#: languages); ``anchor``: line breaks and block markers, whose relative order is the document's
#: structure; ``open``/``close``: the two ends of a pair (tag, link, emphasis) that must keep
#: enclosing their words, opener first and pairs properly nested.
Role = Literal["free", "anchor", "open", "close"]

#: What the model writes back. Lenient about spacing, case and a missing slash or bracket
#: (``<x1>``, ``<x1/``), because a model that copies a token slightly wrong still kept it in
#: the right place.
TOKEN = re.compile(r"<\s*x\s*(\d{1,4})\s*(?:/(?:\s*>)?|>)", re.IGNORECASE)


def token(number: int) -> str:
    return f"<x{number}/>"


class Token(BaseModel):
    """One protected span of a text, as the model sees it (``<x{id}/>``) and as it comes back."""

    model_config = ConfigDict(frozen=True)

    id: int = Field(ge=1, description="The number in the token <x{id}/>.")
    value: str = Field(description="The text the token restores to.")
    kind: str = Field(description="What the span is: placeholder, tag, break, code, url, ...")
    role: Role = Field("free", description="How the token may move; see Role.")
    partner: int | None = Field(None, description="The other end of an open/close pair.")


@dataclass(frozen=True)
class Span:
    """A protected span found by a finder. ``pair`` links the two ends of a pair found together
    (an opening and closing tag); the finder numbers its pairs, ``mask`` makes them unique."""

    start: int
    end: int
    kind: str
    role: Role = "free"
    pair: int | None = None
    value: str | None = None  # None: restore the source text itself


#: A finder returns the protected spans of one kind in a text; spans may overlap other finders'.
Finder = Callable[[str], Iterable[Span]]


def regex_finder(pattern: str, kind: str, role: Role = "free", flags: int = 0) -> Finder:
    compiled = re.compile(pattern, flags)

    def find(text: str) -> Iterable[Span]:
        return (Span(m.start(), m.end(), kind, role) for m in compiled.finditer(text) if m.group())

    return find


def paired_finder(pattern: str, kind: str, flags: int = 0) -> Finder:
    """Spans from a pattern with groups ``open`` and ``close`` around translatable words, e.g.
    ``[`` and ``](url)`` of a Markdown link: each match yields one open/close pair."""
    compiled = re.compile(pattern, flags)

    def find(text: str) -> Iterable[Span]:
        for number, m in enumerate(compiled.finditer(text)):
            yield Span(m.start("open"), m.end("open"), kind, "open", number)
            yield Span(m.start("close"), m.end("close"), kind, "close", number)

    return find


# -- placeholders -------------------------------------------------------------------------------
_SIMPLE_ARG = re.compile(r"^\s*[\w.\-\[\]]*\s*(?:[!:][^{}]*)?$")  # {}, {0}, {name}, {x:.2f}
_ICU_ARG = re.compile(
    r"^\s*[\w.\-]+\s*,\s*(?:plural|select|selectordinal|number|date|time|duration|ordinal|"
    r"spellout)\b", re.IGNORECASE,
)


def braces(text: str) -> Iterable[Span]:
    """``{name}``, ``{0}``, ``{x:.2f}`` and ICU arguments ``{count, plural, one {# file} ...}``,
    whose nested braces a regular expression cannot balance. Prose in braces is left alone."""
    pos = 0
    while (start := text.find("{", pos)) != -1:
        end = _matching_brace(text, start)
        inner = text[start + 1:end - 1] if end else ""
        if end and (_SIMPLE_ARG.match(inner) or _ICU_ARG.match(inner)):
            yield Span(start, end, "placeholder")
            pos = end
        else:  # prose, or a stray "{": look for arguments inside and after it
            pos = start + 1


def _matching_brace(text: str, start: int) -> int | None:
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    return None


placeholders: list[Finder] = [
    regex_finder(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "placeholder"),  # Jinja, Mustache, i18next
    braces,
    regex_finder(r"\$\{[^{}\n]*\}|%\{[\w.\-]+\}", "placeholder"),  # ${js}, %{ruby}
    # printf: %s %d %1$s %(name)s %.2f %@ %%; no space flag, so "50% off" stays text.
    regex_finder(r"%(?:\([\w.\-]+\))?[-+0#]*(?:\d+\$)?(?:\d+|\*)?(?:\.(?:\d+|\*))?"
                 r"(?:hh|h|ll|l|L|z|j|t|q)?[sdifFeEgGxXoucpaA@%]", "placeholder"),
]

# -- markup -------------------------------------------------------------------------------------
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
_TAG = re.compile(r"<(/?)([A-Za-z][\w:.\-]*)((?:\s+(?:[^<>\"']|\"[^\"]*\"|'[^']*')*)?)\s*(/?)>")


def tags(text: str) -> Iterable[Span]:
    """HTML/XML tags. An opening tag and its closing tag form a pair; void, self-closing and
    unmatched tags move freely."""
    stack: list[tuple[str, Span]] = []
    spans: list[Span] = []
    pairs = 0
    for m in _TAG.finditer(text):
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(4)
        span = Span(m.start(), m.end(), "tag")
        if closing:
            opened = next((i for i in range(len(stack) - 1, -1, -1) if stack[i][0] == name), None)
            if opened is not None:
                opener = stack[opened][1]
                del stack[opened:]
                spans[spans.index(opener)] = Span(opener.start, opener.end, "tag", "open", pairs)
                span = Span(m.start(), m.end(), "tag", "close", pairs)
                pairs += 1
        elif not self_closing and name not in _VOID:
            stack.append((name, span))
        spans.append(span)
    return spans


markup: list[Finder] = [
    regex_finder(r"<(?:script|style)\b.*?</(?:script|style)\s*>", "code",
                 flags=re.IGNORECASE | re.DOTALL),
    regex_finder(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<![A-Za-z][^>]*>|<\?.*?\?>", "tag",
                 flags=re.DOTALL),
    regex_finder(r"<(?:https?|ftp|mailto):[^<>\s]*>", "url"),  # autolinks, before tags
    tags,
    regex_finder(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});", "entity"),
]

# -- the rest of every text ---------------------------------------------------------------------
common: list[Finder] = [
    # Line and paragraph breaks: kept exactly, so the layout survives translation.
    regex_finder(r"[ \t]*\r?\n(?:[ \t]*\r?\n)*", "break", "anchor"),
    regex_finder(r"^[ \t]+", "indent", "anchor", re.MULTILINE),
    regex_finder(r"\b(?:https?|ftp)://[^\s<>\"'()\[\]{}]*[^\s<>\"'()\[\]{}.,;:!?]", "url"),
    regex_finder(r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b", "url"),
    *placeholders,
    *markup,
]

# -- Markdown -----------------------------------------------------------------------------------
_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$", re.MULTILINE)
_PIPE = re.compile(r"[ \t]*\|[ \t]*")


def table_pipes(text: str) -> Iterable[Span]:
    """The cell borders of a table row (a line that starts and ends with ``|``), in order."""
    for row in _TABLE_ROW.finditer(text):
        for pipe in _PIPE.finditer(row.group()):
            yield Span(row.start() + pipe.start(), row.start() + pipe.end(), "table", "anchor")


markdown: list[Finder] = [
    # Fenced and indented code, link definitions, rules and table delimiter rows: whole lines.
    regex_finder(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n(?:.*?\n)??[ \t]*\1[ \t]*$"
                 r"|^[ \t]*(?:`{3,}|~{3,}).*\Z", "code", "anchor", re.MULTILINE | re.DOTALL),
    regex_finder(r"^(?: {4}|\t)(?![ \t]*(?:[-*+]|\d{1,9}[.)])[ \t])[^\n]*", "code", "anchor",
                 re.MULTILINE),
    regex_finder(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+[^\n]*", "link", "anchor", re.MULTILINE),
    regex_finder(r"^[ \t]{0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$", "rule",
                 "anchor", re.MULTILINE),
    regex_finder(r"^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+(?:[ \t]*:?-+:?[ \t]*)?$", "table",
                 "anchor", re.MULTILINE),
    # Block markers at a line's start: headings, list items, task boxes, quotes.
    regex_finder(r"^[ \t]*(?:(?:#{1,6}|[-*+](?:[ \t]+\[[ xX]\])?|\d{1,9}[.)]|>)[ \t]+)+", "block",
                 "anchor", re.MULTILINE),
    table_pipes,
    regex_finder(r"(`+)[^`]+?\1", "code"),
    paired_finder(r"(?P<open>!?\[)[^\[\]\n]*(?P<close>\]\([^()\s]*(?:\s+\"[^\"]*\")?\)"
                  r"|\]\[[^\]\n]*\])", "link"),
    paired_finder(r"(?P<open>\*\*|__|~~)(?=\S).+?(?<=\S)(?P<close>(?P=open))", "emphasis"),
    paired_finder(r"(?<![*\w])(?P<open>\*)(?=[^\s*])[^*\n]+?(?<=[^\s*])(?P<close>\*)(?![*\w])",
                  "emphasis"),
    paired_finder(r"(?<![_\w])(?P<open>_)(?=[^\s_])[^_\n]+?(?<=[^\s_])(?P<close>_)(?![_\w])",
                  "emphasis"),
    *common,
]


def glossary_finder(glossary: Mapping[str, str]) -> Finder:
    """Glossary terms become tokens that restore to their required translation, so a term is
    rendered as the glossary says however weak the model. The first letter follows the source's
    case ("Dashboard" at a sentence start -> "Tableau de bord")."""
    terms = sorted(glossary, key=len, reverse=True)  # longest first: "sign in page" > "sign in"
    if not terms:
        return lambda text: ()
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, terms)) + r")(?!\w)",
                         re.IGNORECASE)
    by_folded = {term.casefold(): target for term, target in glossary.items()}

    def find(text: str) -> Iterable[Span]:
        for m in pattern.finditer(text):
            target = by_folded[m.group().casefold()]
            if m.group()[:1].isupper():
                target = target[:1].upper() + target[1:]
            yield Span(m.start(), m.end(), "glossary", value=target)

    return find


# -- masking and restoring ----------------------------------------------------------------------
@dataclass(frozen=True)
class Masked:
    text: str
    tokens: tuple[Token, ...]


def find_spans(text: str, finders: Sequence[Finder]) -> list[Span]:
    """Non-overlapping spans in text order: where spans overlap, the earliest start wins, then the
    longest, then the earlier finder. A pair that loses one end keeps the other as a free span.
    Pairs are renumbered so that numbers from different finders cannot clash."""
    candidates = sorted(
        ((span, rank) for rank, finder in enumerate(finders) for span in finder(text)),
        key=lambda item: (item[0].start, -(item[0].end - item[0].start), item[1]),
    )
    chosen: list[tuple[Span, int]] = []
    end = 0
    for span, rank in candidates:
        if span.start >= end:
            chosen.append((span, rank))
            end = span.end
    ends = Counter((rank, span.pair) for span, rank in chosen if span.pair is not None)
    numbers = {key: index for index, key in enumerate(k for k, n in ends.items() if n == 2)}
    return [
        replace(span, role="free", pair=None)
        if span.pair is not None and (rank, span.pair) not in numbers else
        replace(span, pair=None if span.pair is None else numbers[(rank, span.pair)])
        for span, rank in chosen
    ]


def _merge_anchors(spans: list[Span]) -> list[Span]:
    """Touching anchors (a paragraph break and the list marker after it) become one token:
    fewer tokens for the model to copy, same structure."""
    merged: list[Span] = []
    for span in spans:
        last = merged[-1] if merged else None
        if last and last.role == span.role == "anchor" and last.end == span.start:
            merged[-1] = replace(last, end=span.end)
        else:
            merged.append(span)
    return merged


def mask(text: str, finders: Sequence[Finder]) -> Masked:
    """Replace every protected span with a token numbered in text order."""
    spans = _merge_anchors(find_spans(text, finders))
    ends: dict[int, list[int]] = {}
    for number, span in enumerate(spans, 1):
        if span.pair is not None:
            ends.setdefault(span.pair, []).append(number)
    tokens = []
    out = []
    pos = 0
    for number, span in enumerate(spans, 1):
        pair = ends.get(span.pair, []) if span.pair is not None else []
        tokens.append(Token(
            id=number, value=text[span.start:span.end] if span.value is None else span.value,
            kind=span.kind, role=span.role, partner=next((n for n in pair if n != number), None),
        ))
        out += [text[pos:span.start], token(number)]
        pos = span.end
    out.append(text[pos:])
    return Masked("".join(out), tuple(tokens))


def strip_tokens(text: str) -> str:
    """The text without its tokens: what is left for the model to translate."""
    return TOKEN.sub(" ", text)


def words(text: str, finders: Sequence[Finder]) -> str:
    """The translatable words of a text: protected spans (and tokens) removed, spaces collapsed."""
    return " ".join(strip_tokens(mask(strip_tokens(text), finders).text).split())


#: An inventory entry: kind, text (spaces around it are layout, not structure), is an anchor.
Entry = tuple[str, str, bool]


def inventory(text: str, finders: Sequence[Finder]) -> list[Entry]:
    """The protected spans of a text in order (tokens already in it ignored), to compare the
    syntax of a source and its translation. Anchors are not merged here, so that swapping two
    block markers reads as a change of order. Whitespace at the ends is not compared: a chunk's
    edges are peeled before translation and restored verbatim."""
    text = strip_tokens(text).strip()
    return [(span.kind, text[span.start:span.end].strip(" \t"), span.role == "anchor")
            for span in find_spans(text, finders)]


@dataclass(frozen=True)
class Restored:
    text: str
    problems: list[Problem]


def restore(text: str, tokens: Sequence[Token], field: str = "translation") -> Restored:
    """Put the protected spans back. Every token must appear exactly once, anchors in their
    original order, pairs opener-first and nested; any breach is a problem naming the token."""
    by_id = {tok.id: tok for tok in tokens}
    counts = Counter(int(m.group(1)) for m in TOKEN.finditer(text))
    problems = [
        *(_problem(field, "token_unknown", f"contains {token(n)}, which is not in the source "
                   "text; remove it") for n in counts if n not in by_id),
        *(_problem(field, "token_duplicate", f"contains {token(n)} {c} times; keep it exactly "
                   "once") for n, c in counts.items() if c > 1 and n in by_id),
        *(_problem(field, "token_missing", f"lost {token(t.id)} (a {t.kind}); copy it exactly "
                   "once into the translation, next to the words it belongs to")
          for t in tokens if t.id not in counts),
        *_order_problems(field, [n for n in counts if n in by_id], by_id),
    ]
    restored = TOKEN.sub(lambda m: by_id[n].value if (n := int(m.group(1))) in by_id
                         else m.group(), text)
    return Restored(restored, problems)


def _order_problems(field: str, order: list[int], by_id: Mapping[int, Token]) -> list[Problem]:
    """``order``: the tokens present, by first appearance. Missing ones are reported already."""
    anchors = [n for n in order if by_id[n].role == "anchor"]
    problems = [
        _problem(field, "token_order", f"moves {token(b)} before {token(a)}; line breaks and "
                 "block markers must keep their original order")
        for a, b in pairwise(anchors) if b < a
    ]
    stack: list[int] = []
    for n in order:
        tok = by_id[n]
        opener = tok.partner
        if tok.role == "open":
            stack.append(n)
        elif tok.role != "close" or opener is None or opener not in order:
            continue
        elif opener not in stack:
            problems.append(_problem(field, "token_nesting", f"has {token(n)} before "
                                     f"{token(opener)}; {token(opener)} opens and {token(n)} "
                                     "closes the same words"))
        else:
            if stack[-1] != opener:
                problems.append(_problem(field, "token_nesting", f"{token(opener)}...{token(n)} "
                                         f"crosses {token(stack[-1])}; keep pairs nested"))
            stack.remove(opener)
    return problems


def _problem(field: str, code: str, message: str) -> Problem:
    return Problem(field=field, code=code, message=message)
