"""Which parts of an output are prose: the strings written in words."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from .base import ProseField

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@lru_cache(maxsize=8)
def _words_in_a_row(count: int) -> re.Pattern[str]:
    """``count`` words, whatever is between them: found without listing every word of a
    long field (every string of every output and input is asked)."""
    return re.compile(rf"\w+(?:\W+\w+){{{max(count - 1, 0)}}}")


def is_prose(text: str, min_words: int = 3) -> bool:
    """Written in words: at least ``min_words`` words (CJK text: that many characters x2),
    not a code, a URL, a number or an identifier."""
    if _CJK.search(text):
        return len(_CJK.findall(text)) >= 2 * min_words
    return not text.lstrip().startswith(("http", "{")) and \
        _words_in_a_row(min_words).search(text) is not None


def strings(value: Any) -> list[str]:
    """Every string in a JSON value (a job's input, a dumped model), in order.

    >>> strings({"facts": [{"text": "It rose."}, {"n": 3}], "tone": "neutral"})
    ['It rose.', 'neutral']
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return []


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
