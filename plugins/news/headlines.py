"""``news.headlines``: distinct headline variants for a story, each within a length limit."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from aigc_core import Generator, Problem
from aigc_core.checks import (
    count_between,
    distinct,
    edit_distance,
    max_length,
    min_length,
    normalise,
    not_blank,
    word_count,
)

from . import grounding, relevance, sampling, schema
from .fields import Language, Tone
from .text import headline

MAX_COUNT = 10
#: Variants the model may write beyond ``count``: finalize keeps the first good ones.
SPARE = 2
#: The longest limit an input may ask for, and the shortest text that is a headline.
MAX_CHARS = 150
MIN_CHARS = 20
MIN_WORDS = 3
#: Fewest words for two headlines one word apart to be one headline said twice ("... the
#: latest details of a new early boat" and "... the newest details ..."); shorter ones may
#: differ by a word and still read differently ("Choir wins" / "Choir triumphs").
NEAR_WORDS = 5
#: Room the model gets beyond ``max_length``, so that code, not the grammar, cuts a long
#: headline, and at a word boundary.
HEADROOM_CHARS = 30


class HeadlinesInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str = Field(min_length=3, max_length=2000,
                       description="What the story says: a sentence or a short summary.")
    count: int = Field(5, ge=1, le=MAX_COUNT, description="How many variants to write.")
    max_length: int = Field(70, ge=20, le=MAX_CHARS,
                            description="Longest headline allowed, in characters.")
    tone: Tone = "neutral"
    language: Language = "en"


Headline = Annotated[
    str, Field(min_length=1, max_length=(MAX_CHARS + HEADROOM_CHARS) * schema.NUMBER_ROOM)]


class Headlines(BaseModel):
    headlines: list[Headline] = Field(min_length=1, max_length=MAX_COUNT + SPARE,
                                      description="The variants, each worded differently.")


def _evidence(data: HeadlinesInput) -> grounding.Evidence:
    return grounding.Evidence.of([data.topic], "the topic")


def headlines_schema(data: HeadlinesInput) -> dict[str, Any]:
    """This input's count (plus spares) and length limit (plus headroom)."""
    return schema.obj(headlines=schema.array(
        schema.text(MIN_CHARS, data.max_length + HEADROOM_CHARS, _evidence(data).figures),
        data.count, data.count + SPARE,
    ))


def _problems(field: str, text: str, data: HeadlinesInput,
              evidence: grounding.Evidence) -> list[Problem]:
    """What is wrong with one headline on its own."""
    return [*not_blank(field, text), *max_length(field, text, data.max_length),
            *min_length(field, text, MIN_WORDS, counter=word_count, unit="words"),
            *grounding.check(field, text, evidence),
            *relevance.off_topic(field, text, data.topic, data.language)]


def _near(a: str, b: str) -> bool:
    """Whether two different headlines of ``NEAR_WORDS`` words or more are one word apart."""
    words, others = normalise(a).split(), normalise(b).split()
    return min(len(words), len(others)) >= NEAR_WORDS and words != others and \
        edit_distance(words, others, 1) <= 1


def near_duplicates(field: str, items: list[str]) -> list[Problem]:
    """Each item that is an earlier one with one word changed, added or left out."""
    problems = []
    for index, item in enumerate(items):
        earlier = next((j for j in range(index) if _near(items[j], item)), None)
        if earlier is not None:
            problems.append(Problem(field=f"{field}[{index}]", code="near_duplicate",
                                    message=f"is {field}[{earlier}] with one word changed; "
                                            "write a variant worded differently"))
    return problems


def finalize(output: Headlines, data: HeadlinesInput) -> Headlines:
    """Tidy and fit each headline; of more than ``count``, keep the first ones that pass every
    check, so that a spare variant replaces a bad or repeated one instead of failing the job."""
    fitted = [headline(text, data.max_length) for text in output.headlines]
    evidence = _evidence(data)
    good: dict[str, str] = {}
    for text in fitted:
        if not _problems("", text, data, evidence) and \
                not any(_near(text, kept) for kept in good.values()):
            good.setdefault(normalise(text), text)
    keep = list(good.values())[: data.count]
    return output.model_copy(update={"headlines": keep if len(keep) == data.count else fitted})


def check_headlines(output: Headlines, data: HeadlinesInput) -> list[Problem]:
    evidence = _evidence(data)
    return [
        *count_between("headlines", output.headlines, data.count, data.count),
        *(p for i, text in enumerate(output.headlines)
          for p in _problems(f"headlines[{i}]", text, data, evidence)),
        *distinct("headlines", output.headlines),
        *near_duplicates("headlines", output.headlines),
    ]


GENERATOR = Generator(
    name="news.headlines",
    description="Distinct headline variants for a story, each within a character limit.",
    input_model=HeadlinesInput,
    output_model=Headlines,
    system="news/system.j2",
    prompt="news/headlines.user.j2",
    templates_from=__package__,
    options=sampling.options(max_tokens=400),
    validators=(check_headlines,),
    finalize=finalize,
    output_schema=headlines_schema,
)
