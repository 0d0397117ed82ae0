"""Running a per-text check over every text of an ad."""

from __future__ import annotations

from collections.abc import Callable

from aigc_core import Problem

from .models import AdCopy, AdCopyInput

#: ``check(kind, path, text, data)``: problems of one text. ``kind`` is the output list the
#: text belongs to ("headlines", ...) or "path"; ``path`` is its field path for the report.
TextCheck = Callable[[str, str, str, AdCopyInput], list[Problem]]


def each_text(output: AdCopy, data: AdCopyInput, check: TextCheck) -> list[Problem]:
    return [problem for kind, path, text in output.texts()
            for problem in check(kind, path, text, data)]


