"""A dataset's own acceptance rules, checked on each output apart from the generator's
validators and reported separately: how a team encodes what it will accept.

A dataset line lists them under ``"assert"``; each names one kind, and optionally the
``field`` it applies to (a path, ``headlines[*]`` for every item; default: the whole output,
every string of it read as one text):

    {"input": {...}, "assert": [
        {"contains": "Shenzhen"},
        {"not_contains": ["Tone:", "Language:"], "ignore_case": true},
        {"regex": "^[^a-z]", "field": "headlines[*]"},
        {"max_width": 30, "field": "headlines[*]"},
        {"language": "zh", "field": "body"},
        {"json_keys": ["title", "cta"], "field": "translation"}]}

>>> outcome = check(Assertion(contains="tide"), {"headlines": ["Tides rise"]})
>>> outcome.passed, outcome.message
(False, "lacks 'tide'")
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..checks import display_width
from ..language import LanguageTag
from .paths import PathError, flatten, select, steps

#: Below this many letters a text's language is not judged: guesses on a few words are noise.
MIN_LANGUAGE_LETTERS = 20
_LETTER = re.compile(r"[^\W\d_]")


class Assertion(BaseModel):
    """One rule: exactly one of the kinds below, on ``field`` (a path; ``""``: the output)."""

    model_config = ConfigDict(extra="forbid")

    contains: str | list[str] | None = Field(None, description="Text(s) that must appear.")
    not_contains: str | list[str] | None = Field(None, description="Text(s) that must not.")
    regex: str | None = Field(None, description="A pattern that must match (re.search).")
    max_width: int | None = Field(None, ge=1, description="Most display columns (CJK: 2).")
    language: LanguageTag | None = Field(None, description="The language it must be in.")
    json_keys: list[str] | None = Field(
        None, description="Keys the value must have (an object, or a string holding one).")
    field: str = ""
    ignore_case: bool = Field(False, description="For contains, not_contains and regex.")

    @property
    def kind(self) -> str:
        return next(kind for kind in CHECKS if getattr(self, kind) is not None)

    @model_validator(mode="after")
    def _one_kind(self) -> Assertion:
        kinds = [kind for kind in CHECKS if getattr(self, kind) is not None]
        if len(kinds) != 1:
            raise ValueError(f"give exactly one of {', '.join(CHECKS)} (got {kinds or 'none'})")
        steps(self.field)  # a malformed path is the dataset's mistake, reported before a run
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex {self.regex!r} does not compile: {exc}") from None
        return self


class AssertionOutcome(BaseModel):
    """How one rule fared on one output; ``message`` says where and why it failed."""

    kind: str
    field: str = ""
    passed: bool
    message: str = ""


def check(assertion: Assertion, output: Any) -> AssertionOutcome:
    """Apply ``assertion`` to each value its field selects in ``output`` (a structured output,
    or a text generator's text)."""
    outcome = AssertionOutcome(kind=assertion.kind, field=assertion.field, passed=True)
    try:
        selected = select(output, assertion.field)
    except PathError as exc:
        return outcome.model_copy(update={"passed": False, "message": str(exc)})
    failures = []
    for where, value in selected:
        reason = CHECKS[assertion.kind](assertion, value)
        if reason:
            failures.append(f"{where}: {reason}" if where else reason)
    if failures:
        return outcome.model_copy(update={"passed": False, "message": "; ".join(failures)})
    return outcome


def check_all(assertions: list[Assertion], output: Any) -> list[AssertionOutcome]:
    return [check(assertion, output) for assertion in assertions]


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _text(assertion: Assertion, value: Any) -> str:
    text = value if isinstance(value, str) else flatten(value)
    return text.casefold() if assertion.ignore_case else text


def _contains(assertion: Assertion, value: Any) -> str:
    text = _text(assertion, value)
    missing = [needle for needle in _as_list(assertion.contains or [])
               if (needle.casefold() if assertion.ignore_case else needle) not in text]
    return f"lacks {', '.join(map(repr, missing))}" if missing else ""


def _not_contains(assertion: Assertion, value: Any) -> str:
    text = _text(assertion, value)
    found = [needle for needle in _as_list(assertion.not_contains or [])
             if (needle.casefold() if assertion.ignore_case else needle) in text]
    return f"has {', '.join(map(repr, found))}" if found else ""


def _regex(assertion: Assertion, value: Any) -> str:
    flags = re.IGNORECASE if assertion.ignore_case else 0
    text = value if isinstance(value, str) else flatten(value)
    return "" if re.search(assertion.regex or "", text, flags) else \
        f"does not match /{assertion.regex}/"


def _max_width(assertion: Assertion, value: Any) -> str:
    width = display_width(value if isinstance(value, str) else flatten(value))
    limit = assertion.max_width or 0
    return f"is {width} columns wide; at most {limit}" if width > limit else ""


def _language(assertion: Assertion, value: Any) -> str:
    text = value if isinstance(value, str) else flatten(value)
    if len(_LETTER.findall(text)) < MIN_LANGUAGE_LETTERS:
        return ""  # too short to tell: not counted against the output
    import py3langid  # here: loading its model takes a while, and few datasets ask

    wanted = (assertion.language or "").split("-")[0].lower()
    found, _ = py3langid.classify(text)
    return "" if found == wanted else f"reads as {found!r}, not {wanted!r}"


def _json_keys(assertion: Assertion, value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return "is not JSON"
    if not isinstance(value, dict):
        return "is not a JSON object"
    missing = [key for key in assertion.json_keys or [] if key not in value]
    return f"has no key {', '.join(map(repr, missing))}" if missing else ""


#: Each kind's check: ``(assertion, value) -> why it failed``, ``""`` when it holds.
CHECKS: dict[str, Callable[[Assertion, Any], str]] = {
    "contains": _contains,
    "not_contains": _not_contains,
    "regex": _regex,
    "max_width": _max_width,
    "language": _language,
    "json_keys": _json_keys,
}
