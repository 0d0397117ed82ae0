"""Every ad text is copy written in words: "1.1.1.1" fits every limit of a headline and no
platform rule names it, yet it is no ad; nor is "Headlines: Acme coffee", a small model's
echo of the form it fills in. Display paths are URL words and are left to the path checks."""

from __future__ import annotations

import re

from aigc_core import Problem
from aigc_core.checks import quote, written_in_words

from .checking import each_text
from .models import AdCopy, AdCopyInput

#: The name of an ad field, or of its kind, before a colon at the start of a text.
_LABEL = re.compile(r"^\s*((?:headline|description|primary text|display path|path|text|ad)s?"
                    r"\s*\d*)\s*:", re.IGNORECASE)


def _in_words(kind: str, path: str, text: str, data: AdCopyInput) -> list[Problem]:
    if kind == "path":
        return []
    label = _LABEL.match(text)
    if label:
        return [Problem(field=path, code="label",
                        message=f"{quote(text)} starts with the label {label[1]!r}; write only "
                                "the text itself")]
    return written_in_words(path, text)


def check_wording(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    return each_text(output, data, _in_words)
