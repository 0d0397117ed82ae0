"""``news.summary``: a supplied article summarised to a target length, as prose or bullets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aigc_core import Generator, Problem
from aigc_core.checks import count_between, distinct, not_blank, word_count

from . import grounding, sampling, schema
from .fields import Language
from .lengths import char_window, near_target
from .text import clean_sentences

Format = Literal["paragraph", "bullets"]
MAX_POINTS = 12
MAX_TARGET_WORDS = 400

#: How the points become the finished summary, by format.
_RENDER: dict[str, Callable[[list[str]], str]] = {
    "paragraph": " ".join,
    "bullets": lambda points: "\n".join(f"- {point}" for point in points),
}
#: A list of one bullet is no list.
_MIN_POINTS: dict[str, int] = {"paragraph": 1, "bullets": 2}
#: Words per point, which set how many points a target length makes. A paragraph is one point:
#: a small model asked for its sentences one by one writes the same sentence twice.
_POINT_WORDS: dict[str, int] = {"paragraph": MAX_TARGET_WORDS, "bullets": 12}


class SummaryInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=200, max_length=12_000,
                      description="The article to summarise (about 3,000 tokens at most).")
    target_words: int = Field(60, ge=15, le=MAX_TARGET_WORDS,
                              description="Length of the summary in words.")
    format: Format = Field("paragraph", description="One paragraph, or a list of bullets.")
    language: Language = "en"

    @model_validator(mode="after")
    def _shorter_than_text(self) -> SummaryInput:
        words = word_count(self.text)
        if self.target_words >= words:
            raise ValueError(f"target_words ({self.target_words}) must be below the text's "
                             f"length ({words} words)")
        return self


#: Room for the longest point summary_schema asks for: a paragraph of the most words.
Point = Annotated[str, Field(min_length=1, max_length=schema.NUMBER_ROOM * char_window(
    MAX_TARGET_WORDS)[1])]


class Summary(BaseModel):
    points: list[Point] = Field(
        min_length=1, max_length=MAX_POINTS,
        description="The bullets in order, or the paragraph as one item.",
    )
    # Filled in by finalize: the model's answer has neither (see summary_schema).
    format: Format = Field("paragraph", description="Copied from the input.")
    text: str = Field("", description="The points rendered in the format.")


def _evidence(data: SummaryInput) -> grounding.Evidence:
    return grounding.Evidence.of([data.text], "the text")


def summary_schema(data: SummaryInput) -> dict[str, Any]:
    """What the model writes: the points only, as many and as long as the target length and
    format ask for, so that constrained decoding writes close to the target."""
    count = round(data.target_words / _POINT_WORDS[data.format])
    count = min(MAX_POINTS, max(_MIN_POINTS[data.format], count))
    point = schema.text(*char_window(data.target_words, count), _evidence(data).figures,
                        sentence=data.format == "paragraph")
    return schema.obj(points=schema.array(point, count, count))


def finalize(output: Summary, data: SummaryInput) -> Summary:
    points = [clean_sentences(point) for point in output.points]
    return output.model_copy(update={"points": points, "format": data.format,
                                     "text": _RENDER[data.format](points)})


def check_summary(output: Summary, data: SummaryInput) -> list[Problem]:
    evidence = _evidence(data)
    return [
        *count_between("points", output.points, _MIN_POINTS[data.format], MAX_POINTS),
        *(p for i, point in enumerate(output.points) for p in not_blank(f"points[{i}]", point)),
        *distinct("points", output.points),
        *near_target("points", " ".join(output.points), data.target_words,
                     what="the points together are"),
        *(p for i, point in enumerate(output.points)
          for p in grounding.check(f"points[{i}]", point, evidence)),
    ]


GENERATOR = Generator(
    name="news.summary",
    description="A summary of a supplied article to a target length, as a paragraph or bullets.",
    input_model=SummaryInput,
    output_model=Summary,
    system="news/system.j2",
    prompt="news/summary.user.j2",
    templates_from=__package__,
    options=sampling.options(max_tokens=800),
    validators=(check_summary,),
    finalize=finalize,
    output_schema=summary_schema,
)
