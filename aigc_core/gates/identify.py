"""Which language a text is in, for many fields at once.

The model is py3langid's (140 languages), shipped inside its wheel: nothing is downloaded, at
install or at run time. Its public ``rank`` costs about 0.1 ms per call before the text is
even read (a float16 table gathered and multiplied per call, 140 scores sorted into a list),
and the language gate asks for every prose field of an output: here each field is walked
through the model's automaton as ``rank`` does, and all fields are scored in one product.
Probabilities are py3langid's calibrated ones (its ``norm_probs``: the Naive Bayes scores
divided by the square root of the sample's length in bytes, then a softmax), from the same
model object that ``py3langid.rank`` uses, so the model is loaded once per process.

numpy and py3langid are imported on first use: a process that only submits jobs (the queue's
client, the gateway) imports the engine but never gates, and should not pay for them.

``tests/core/test_gates_language_names.py`` checks the result against ``py3langid.rank``: it
reads attributes of py3langid 0.4's identifier, and pyproject pins that minor version.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: What is not language in a field: links, e-mail addresses, markup and placeholders
#: ("<b>", "{name}"), numbers. Taken out before identifying, so that "2025-03-03", a URL or
#: the English of HTML tag names does not pull the scores anywhere.
_MARKUP = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.-]+|<[^<>]*>|\{[^{}]*\}")
_NUMBER = re.compile(r"\d[\d.,:%/+-]*")


@dataclass(frozen=True)
class Guess:
    """The languages of one text: ``best`` (a py3langid code) and each code's probability."""

    best: str
    confidence: float
    _scores: Any  # one row of probabilities, in the model's column order
    _columns: dict[str, int]

    def probability(self, code: str) -> float:
        column = self._columns.get(code)
        return 0.0 if column is None else float(self._scores[column])


def sample(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text`` that carry language: its start and its end
    (a field that drifts into another language mid-way shows it at one end or the other),
    without links, markup and numbers."""
    if len(text) > 2 * limit:  # cleaning costs by the character: bound it first
        text = f"{text[:limit]} {text[-limit:]}"
    text = " ".join(_NUMBER.sub(" ", unmarked(text)).split())
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} {text[-half:]}"


def unmarked(text: str) -> str:
    """``text`` without links, e-mail addresses, markup and placeholders (each a space)."""
    if any(mark in text for mark in ("@", "://", "www.", "<", "{")):
        return _MARKUP.sub(" ", text)
    return text


def known(code: str) -> bool:
    """Whether the model knows the language ``code`` (a py3langid code)."""
    return code in _model().columns


def identify(texts: Sequence[str]) -> list[Guess | None]:
    """The language of each text (``None``: nothing in it the model recognises)."""
    import numpy as np
    from py3langid.langid import visit_counts

    model = _model()
    starts: list[int] = []  # where each text's features begin; -1: it has none
    features: list[int] = []
    counts: list[int] = []
    lengths: list[int] = []
    for text in texts:
        encoded = model.identifier._encode(text)
        visits = visit_counts(model.identifier.tk_nextmove, model.identifier._rowbase,
                              model.identifier.tk_output, encoded) if encoded else None
        lengths.append(len(encoded))
        starts.append(len(features) if visits else -1)
        if visits:
            features.extend(visits.keys())
            counts.extend(visits.values())
    if not features:
        return [None] * len(texts)
    # One gather of the feature rows of every text, then one sum per text (each text's
    # features are contiguous): py3langid's log1p(counts) @ table, for all texts at once.
    weighted = model.table[np.asarray(features)].astype(np.float32)
    weighted *= np.log1p(np.asarray(counts, dtype=np.float32))[:, None]
    present = [row for row, start in enumerate(starts) if start >= 0]
    scores = np.add.reduceat(weighted, [starts[row] for row in present], axis=0) + model.prior
    # py3langid's norm_probs, on every row at once: its temperature (the square root of the
    # sample's length in bytes, which keeps the softmax calibrated across lengths), a softmax.
    scores /= np.sqrt(np.asarray([lengths[row] for row in present], dtype=np.float32))[:, None]
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    scores /= scores.sum(axis=1, keepdims=True)
    for first, duplicate in model.aliases:  # a language in two columns: one probability
        scores[:, first] += scores[:, duplicate]
        scores[:, duplicate] = 0.0
    best = scores.argmax(axis=1)
    guesses: list[Guess | None] = [None] * len(texts)
    for index, row in enumerate(present):
        column = int(best[index])
        guesses[row] = Guess(model.labels[column], float(scores[index, column]), scores[index],
                             model.columns)
    return guesses


@dataclass(frozen=True)
class _Model:
    identifier: Any
    table: Any
    prior: Any
    labels: list[str]
    columns: dict[str, int]
    aliases: list[tuple[int, int]]


@lru_cache(maxsize=1)
def _model() -> _Model:
    """py3langid's identifier (loaded on first use, about 2 s) and what scoring needs of it."""
    import numpy as np
    import py3langid

    identifier = py3langid.langid._get_identifier()
    labels = list(identifier.nb_classes)
    columns: dict[str, int] = {}
    for column, label in enumerate(labels):
        columns.setdefault(label, column)
    return _Model(identifier, identifier.nb_ptc, np.asarray(identifier.nb_pc, np.float32),
                  labels, columns, list(identifier._alias_pairs))
