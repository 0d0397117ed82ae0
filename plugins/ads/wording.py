"""Every ad text is copy written in words: "1.1.1.1" fits every limit of a headline and no
platform rule names it, yet it is no ad. Display paths are URL words and are left to the
path checks."""

from __future__ import annotations

from aigc_core import Problem
from aigc_core.checks import prose

from .checking import each_text
from .models import AdCopy, AdCopyInput


def _in_words(kind: str, path: str, text: str, data: AdCopyInput) -> list[Problem]:
    return [] if kind == "path" else prose(path, text)


def check_wording(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    return each_text(output, data, _in_words)
