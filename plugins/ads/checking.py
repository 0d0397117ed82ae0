"""Running a per-text check over every text of an ad, and quoting texts in messages."""

from __future__ import annotations

from collections.abc import Callable

from aigc_core import Problem

from .models import AdCopy, AdCopyInput

#: ``check(kind, path, text, data)``: problems of one text. ``kind`` is the output list the
#: text belongs to ("headlines", ...) or "path"; ``path`` is its field path for the report.
TextCheck = Callable[[str, str, str, AdCopyInput], list[Problem]]

_QUOTE_LIMIT = 40


def each_text(output: AdCopy, data: AdCopyInput, check: TextCheck) -> list[Problem]:
    return [problem for kind, path, text in output.texts()
            for problem in check(kind, path, text, data)]


def quote(text: str) -> str:
    """The text as a message shows it, cut short: repair prompts must stay small."""
    return repr(text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "…")
