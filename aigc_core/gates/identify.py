"""Which language a text is in, for many fields at once.

The model is py3langid's (140 languages), shipped inside its wheel: nothing is downloaded, at
install or at run time. Its public ``rank`` costs about 0.1 ms per call before the text is
even read (a float16 table gathered and multiplied per call, 140 scores sorted into a list),
and the language gate asks for every prose field of an output: here each field is walked
through the model's automaton as ``rank`` does, and all fields are scored together, on
float32 copies of the table's rows that the model keeps for the features it meets (``_Model``);
a text identified lately is not scored again (``_Seen``).
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
import threading
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


class _Seen:
    """The guesses of the texts identified last, ``SIZE`` at most: a repair attempt sends most
    fields back unchanged, and their samples need not be scored again. Only whole dicts are
    swapped in and read, so threads need no lock."""

    SIZE = 1024

    def __init__(self) -> None:
        self.guesses: dict[str, Guess | None] = {}

    def cache_clear(self) -> None:
        self.guesses = {}


_SEEN = _Seen()


def identify(texts: Sequence[str]) -> list[Guess | None]:
    """The language of each text (``None``: nothing in it the model recognises)."""
    seen = _SEEN.guesses
    found = {text: seen[text] for text in texts if text in seen}
    new = [text for text in dict.fromkeys(texts) if text not in found]
    if new:
        found.update(zip(new, _identify(new), strict=True))
        kept = seen if len(seen) + len(new) <= _Seen.SIZE else {}
        kept.update((text, found[text]) for text in new)
        _SEEN.guesses = kept
    return [found[text] for text in texts]


def _identify(texts: Sequence[str]) -> list[Guess | None]:
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
    present = [row for row, start in enumerate(starts) if start >= 0]
    # py3langid's log1p(counts) @ table, text by text, on the float32 rows of each text's
    # features (each text's features are contiguous). One vector-matrix product per text: a
    # matrix product of all texts at once would wake BLAS's threads, which then spin.
    distinct, column = np.unique(np.asarray(features), return_inverse=True)
    rows = model.rows(distinct)[column]
    weights = np.log1p(np.asarray(counts, dtype=np.float32))
    ends = [*(starts[row] for row in present[1:]), len(features)]
    scores = np.stack([weights[starts[row]:end] @ rows[starts[row]:end]
                       for row, end in zip(present, ends, strict=True)]) + model.prior
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


class _Model:
    """py3langid's identifier and what scoring needs of it.

    The table (a row of 142 language weights per feature) is float16: 28 MB, where float32
    would be 57 MB per worker process; widening the rows a call gathers costs more than all
    the rest of the scoring (numpy converts float16 element by element). ``rows`` keeps float32
    copies of the rows met so far, ``ROWS`` at most, and starts over when they are all taken:
    text meets the same features again and again (the 1,825 samples of ``evals/`` and of the
    language gate's calibration texts, in nine languages, meet 6,226 of the 100,053).
    """

    #: float32 rows kept: 9 MB.
    ROWS = 16_384

    def __init__(self, identifier: Any) -> None:
        import numpy as np

        self.identifier = identifier
        self.table = identifier.nb_ptc
        self.prior = np.asarray(identifier.nb_pc, np.float32)
        self.labels: list[str] = list(identifier.nb_classes)
        self.columns: dict[str, int] = {}
        for column, label in enumerate(self.labels):
            self.columns.setdefault(label, column)
        self.aliases: list[tuple[int, int]] = list(identifier._alias_pairs)
        self._slot = np.full(len(self.table), -1, dtype=np.int64)  # feature -> row kept, or -1
        self._kept = np.empty((self.ROWS, self.table.shape[1]), dtype=np.float32)
        self._used = 0
        self._lock = threading.Lock()  # a threads pool scores in parallel

    def rows(self, features: Any) -> Any:
        """The table's rows of ``features`` (distinct feature indexes), as float32."""
        import numpy as np

        if len(features) > self.ROWS:
            return self.table[features].astype(np.float32)
        with self._lock:
            slots = self._slot[features]
            missing = features[slots < 0]
            if len(missing):
                if self._used + len(missing) > self.ROWS:
                    self._slot.fill(-1)
                    self._used = 0
                    missing = features
                taken = np.arange(self._used, self._used + len(missing))
                self._kept[taken] = self.table[missing]
                self._slot[missing] = taken
                self._used += len(missing)
                slots = self._slot[features]
            return self._kept[slots]


@lru_cache(maxsize=1)
def _model() -> _Model:
    """py3langid's identifier, loaded on first use (about 2 s)."""
    import py3langid

    return _Model(py3langid.langid._get_identifier())
