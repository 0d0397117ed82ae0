"""Which parts of an output are prose: the strings written in words."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from .base import ProseField

_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def is_prose(text: str, min_words: int = 3) -> bool:
    """Written in words: at least ``min_words`` words (CJK text: that many characters x2),
    not a code, a URL, a number or an identifier."""
    if _CJK.search(text):
        return len(_CJK.findall(text)) >= 2 * min_words
    return len(_WORD.findall(text)) >= min_words and not text.strip().startswith(("http", "{"))


def prose_fields(output: Any, min_words: int = 3) -> list[ProseField]:
    """The prose fields of a parsed output (a pydantic model, a dict, or text), by path.

    >>> [f.path for f in prose_fields({"title": "Tides", "body": ["It rose at dawn today."]})]
    ['body[0]']
    """
    if isinstance(output, BaseModel):
        output = output.model_dump(mode="json")
    found: list[ProseField] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, str):
            if is_prose(value, min_words):
                found.append(ProseField(path, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")

    walk(output, "")
    return found
