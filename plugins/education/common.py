"""Input fields and output text types shared by the education generators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from aigc_core.checks import normalise
from aigc_core.language import LanguageTag

T = TypeVar("T")
Output = TypeVar("Output", bound=BaseModel)

MAX_GRADE = 16

GradeLevel = Annotated[int, Field(
    ge=1, le=MAX_GRADE,
    description="US grade of the learners: 1-12 for school years, 13-16 for college years.",
)]

ReadabilityTolerance = Annotated[float | None, Field(
    ge=0.5, le=10.0,
    description="How many grades the measured reading level of the learner-facing text may "
                "differ from grade_level (mean of Coleman-Liau and ARI, English only); "
                "null turns the check off.",
)]

Language = Annotated[LanguageTag, Field(
    description="Language of the material as a BCP 47 tag, e.g. 'en', 'fr', 'zh-CN'.",
)]


def _one_line(value: Any) -> Any:
    # Models emit stray newlines and double spaces; every export format (GIFT, Aiken, Anki)
    # works line by line, so text is kept to single-spaced lines from the moment it is parsed.
    return " ".join(value.split()) if isinstance(value, str) else value


def line(min_length: int, max_length: int) -> Any:
    """A single-line text type whose limits go into the JSON schema (and so the grammar)."""
    return Annotated[str, BeforeValidator(_one_line),
                     StringConstraints(min_length=min_length, max_length=max_length)]


def _any(item: object, kept: list[Any]) -> bool:
    return True


def drop_surplus(items: list[T], count: int, key: Callable[[T], str],
                 fits: Callable[[T, list[T]], bool] = _any) -> list[T]:
    """The first ``count`` items that differ by ``key`` (and that ``fits`` accepts next to
    those already kept) when a model wrote more items than asked; else ``items`` unchanged.

    Small models run on in lists. Surplus items are dropped whole and kept ones are never
    edited, so nothing the model wrote changes meaning. When too few distinct items remain,
    the list is left as written: the validators then name its repeats, which the model can
    see in its answer, rather than a count it cannot.
    """
    if len(items) <= count:
        return items
    kept: list[T] = []
    seen: set[str] = set()
    for item in items:
        marker = normalise(key(item))
        if marker in seen or not fits(item, kept):
            continue
        seen.add(marker)
        kept.append(item)
        if len(kept) == count:
            return kept
    return items


def keep_requested(field: str, key: Callable[[T], str],
                   fits: Callable[[Any], Callable[[T, list[T]], bool]] | None = None,
                   each: Callable[[T, Any], T] | None = None) -> Callable[[Output, Any], Output]:
    """The ``finalize`` step of a generator whose output is one list, ``field``, that a model
    may overfill: the list cut to ``data.count`` items with ``drop_surplus`` (``fits(data)``
    says which items fit next to those kept), then each kept item passed through
    ``each(item, data)``. Whole items are dropped; no text is edited."""

    def finalize(output: Output, data: Any) -> Output:
        items = drop_surplus(getattr(output, field), data.count, key=key,
                             fits=fits(data) if fits else _any)
        if each is not None:
            items = [each(item, data) for item in items]
        return output.model_copy(update={field: items})

    return finalize
