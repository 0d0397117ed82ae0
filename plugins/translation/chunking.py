"""Long documents in parts: split on paragraph, then sentence, then word boundaries; reassembled
in order.

A document's segments (see ``formats``) are masked, then cut into *pieces* that together are the
masked segment exactly. A piece with words to translate becomes one model call (a
``TranslationPart``) that sees the source words around it as context and only its own tokens,
renumbered from ``<x1/>``. Every other piece (breaks, whitespace, a code block, a value that is
only a placeholder) is copied through without a model call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import glossary, masking
from .formats import FORMATS
from .masking import TOKEN, Token
from .models import TranslateInput, TranslateOutput, TranslationPart

#: Longest masked chunk sent in one call: a few sentences, so a small model keeps its place
#: and the answer stays far below max_tokens.
CHUNK_CHARS = 400
#: Source characters shown on each side of a chunk as context.
CONTEXT_CHARS = 160


@dataclass(frozen=True)
class Piece:
    """A stretch of a masked segment. Pieces to translate hold their own, renumbered tokens;
    the others hold their restored source text."""

    text: str
    tokens: tuple[Token, ...] = ()
    translate: bool = False


# -- splitting masked text ----------------------------------------------------------------------
#: ``boundaries(text, anchors)``: positions a chunk may end at (just after a separator), for
#: one kind of boundary; ``anchors`` are the tokens of line breaks and block markers.
Boundaries = Callable[[str, frozenset[str]], list[int]]


def _after_anchors(text: str, anchors: frozenset[str]) -> list[int]:
    return [m.end() for m in TOKEN.finditer(text) if m.group() in anchors]


_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+|[。！？]\s*")


def _after_sentences(text: str, anchors: frozenset[str]) -> list[int]:
    return [m.end() for m in _SENTENCE_END.finditer(text)]


def _after_spaces(text: str, anchors: frozenset[str]) -> list[int]:
    return [m.end() for m in re.finditer(r"\s+", text)]


def _anywhere(text: str, anchors: frozenset[str]) -> list[int]:
    """Last resort for a word longer than a chunk: any position outside a token."""
    inside = {i for m in TOKEN.finditer(text) for i in range(m.start() + 1, m.end())}
    return [i for i in range(1, len(text)) if i not in inside]


BOUNDARIES: tuple[Boundaries, ...] = (_after_anchors, _after_sentences, _after_spaces, _anywhere)


def split_masked(text: str, anchors: frozenset[str], limit: int = CHUNK_CHARS,
                 level: int = 0) -> list[str]:
    """Stretches that concatenate to ``text``, each at most ``limit`` characters, packed
    greedily between the most preferred boundaries that make them fit."""
    if len(text) <= limit or level == len(BOUNDARIES):
        return [text]
    stretches = []
    start = previous = 0
    for end in [*BOUNDARIES[level](text, anchors), len(text)]:
        if end - start > limit and previous > start:
            stretches.append(text[start:previous])
            start = previous
        previous = end
    stretches.append(text[start:])
    return [part for stretch in stretches
            for part in split_masked(stretch, anchors, limit, level + 1)]


def pieces(masked: masking.Masked, limit: int = CHUNK_CHARS) -> list[Piece]:
    """The pieces of a masked segment, in order."""
    by_id = {tok.id: tok for tok in masked.tokens}
    anchors = frozenset(masking.token(tok.id) for tok in masked.tokens if tok.role == "anchor")
    # Whitespace and anchors at a chunk's edges need no translating.
    edge = "|".join([r"\s", *map(re.escape, anchors)])
    peel = re.compile(rf"^((?:{edge})*)(.*?)((?:{edge})*)$", re.DOTALL)
    out: list[Piece] = []
    for stretch in split_masked(masked.text, anchors, limit):
        lead, core, trail = peel.match(stretch).groups()
        out += [_verbatim(lead, by_id), _chunk(core, by_id), _verbatim(trail, by_id)]
    return [piece for piece in out if piece.text]


def _verbatim(text: str, by_id: dict[int, Token]) -> Piece:
    return Piece(masking.restore(text, list(by_id.values())).text)


def _chunk(text: str, by_id: dict[int, Token]) -> Piece:
    """A chunk to translate, its tokens renumbered from 1, its pairs cut by the chunk's edges
    made free; a chunk without words is copied verbatim."""
    if not any(ch.isalpha() for ch in masking.strip_tokens(text)):
        return _verbatim(text, by_id)
    present = list(dict.fromkeys(int(m.group(1)) for m in TOKEN.finditer(text)))
    local = {number: index for index, number in enumerate(present, 1)}
    tokens = tuple(
        Token(id=local[n], value=tok.value, kind=tok.kind,
              role=tok.role if tok.partner is None or tok.partner in local else "free",
              partner=local.get(tok.partner) if tok.partner is not None else None)
        for n in present for tok in [by_id[n]]
    )
    renumbered = TOKEN.sub(lambda m: masking.token(local[int(m.group(1))]), text)
    return Piece(renumbered, tokens, translate=True)


# -- the engine's chunking ----------------------------------------------------------------------
def plan(data: TranslateInput, limit: int = CHUNK_CHARS) -> list[list[Piece]]:
    """Each segment of the document as pieces. Deterministic: ``join`` recomputes it."""
    spec = FORMATS[data.format]
    finders = [*spec.finders, masking.glossary_finder(data.glossary)]
    return [pieces(masking.mask(segment, finders), limit) for segment in spec.segments(data.text)]


_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([,.;:!?])")


def _tidy(text: str, tokens: tuple[Token, ...]) -> str:
    """The model's answer with canonical tokens and no spaces around anchors or at its edges:
    a break or a list marker brings its own whitespace back, and the chunk's edges are peeled."""
    text = TOKEN.sub(lambda m: masking.token(int(m.group(1))), text)
    anchors = [re.escape(masking.token(tok.id)) for tok in tokens if tok.role == "anchor"]
    if anchors:
        text = re.sub(rf"[ \t]*({'|'.join(anchors)})[ \t]*", r"\1", text)
    return text.strip()


def _context(chunks: list[Piece], index: int) -> tuple[str, str]:
    """Source words around chunk ``index`` (tokens dropped), cut at word boundaries."""
    def words(pieces: list[Piece]) -> str:
        text = " ".join(masking.strip_tokens(p.text) for p in pieces)
        return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(text.split()))

    before, after = words(chunks[:index]), words(chunks[index + 1:])
    if len(before) > CONTEXT_CHARS:
        before = before[-CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rsplit(" ", 1)[0]
    return before, after


class DocumentChunking:
    """Splits a job into one part per chunk and reassembles the translated chunks in order."""

    def split(self, data: TranslateInput) -> list[TranslationPart]:
        source = data.resolved_source_language()
        # The units of the source against itself: each segment's path, in segment order.
        paths = [unit.field for unit in FORMATS[data.format].units(data.text, data.text)]
        parts = []
        for path, segment in zip(paths, plan(data), strict=True):
            chunks = [piece for piece in segment if piece.translate]
            for index, piece in enumerate(chunks):
                before, after = _context(chunks, index)
                parts.append(TranslationPart(
                    text=piece.text, tokens=list(piece.tokens), context_before=before,
                    context_after=after, format=data.format, source_language=source,
                    target_language=data.target_language, formality=data.formality,
                    segment=path,
                ))
        return parts

    def join(self, data: TranslateInput, parts: list[TranslateOutput]) -> TranslateOutput:
        outputs = iter(parts)
        translated = ["".join(_restored(next(outputs), piece) if piece.translate else piece.text
                              for piece in segment)
                      for segment in plan(data)]
        spec = FORMATS[data.format]
        document = spec.assemble(data.text, translated)
        return TranslateOutput(
            translation=document, source_language=data.resolved_source_language(),
            target_language=data.target_language,
            glossary_applied=glossary.applied(data.glossary, spec.units(data.text, document),
                                              spec.finders),
        )


def _restored(output: TranslateOutput, piece: Piece) -> str:
    restored = masking.restore(_tidy(str(output.translation), piece.tokens), piece.tokens)
    if restored.problems:
        # Unreachable through the engine: a part's output reaches join only once the tokens
        # validator, which runs this same restore, found nothing. Guard against misuse anyway.
        raise ValueError("; ".join(map(str, restored.problems)))
    return restored.text
