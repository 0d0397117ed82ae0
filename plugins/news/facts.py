"""The facts a news article is written from: a discriminated union on ``kind``.

Each fact says which texts, dates and links it contributes as evidence, so the grounding check
knows what an article may mention.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from .grounding import Evidence


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def texts(self) -> list[str]:
        return []

    def dates(self) -> list[date]:
        return []

    def urls(self) -> list[str]:
        return []

    def amounts(self) -> list[tuple[str, str]]:
        """(amount, label) pairs: numbers that count what their label says."""
        return []


class Statement(_Fact):
    """Something that happened or is the case, in one or two sentences."""

    kind: Literal["statement"]
    text: str = Field(min_length=3, max_length=1000,
                      description="The statement, e.g. 'The council approved the plan on Monday.'")

    def texts(self) -> list[str]:
        return [self.text]


class Figure(_Fact):
    """A number with what it measures."""

    kind: Literal["figure"]
    label: str = Field(min_length=2, max_length=200,
                       description="What the number measures, e.g. 'homes powered'.")
    value: int | float = Field(description="The number itself, e.g. 1200 or 12.5.")
    unit: str = Field("", max_length=40, description="Unit or sign, e.g. '%', 'MW', 'EUR'.")
    as_of: date | None = Field(None, description="The date the number refers to.")

    def texts(self) -> list[str]:
        return [self.label]

    def amounts(self) -> list[tuple[str, str]]:
        # Positional notation: str(1e16) would read as the numbers 1 and 16.
        return [(f"{Decimal(str(self.value)):f}{self.unit}", self.label)]

    def dates(self) -> list[date]:
        return [self.as_of] if self.as_of else []


class Quote(_Fact):
    """Words someone said or wrote, to be quoted exactly."""

    kind: Literal["quote"]
    text: str = Field(min_length=3, max_length=1000, description="The exact words quoted.")
    speaker: str = Field(min_length=2, max_length=120, description="Who said it, e.g. 'Jane Doe'.")
    role: str = Field("", max_length=200,
                      description="The speaker's title, e.g. 'mayor of Springfield'.")

    def texts(self) -> list[str]:
        return [self.text, self.speaker, self.role]


class Source(_Fact):
    """Where facts come from: listed under the article, and the only links it may contain."""

    kind: Literal["source"]
    name: str = Field(min_length=2, max_length=200,
                      description="Publisher or organisation, e.g. 'Springfield Council'.")
    url: HttpUrl = Field(description="Link to the source document.")
    title: str = Field("", max_length=300, description="Title of the source document.")
    published: date | None = Field(None, description="When the source was published.")

    def texts(self) -> list[str]:
        return [self.name, self.title]

    def dates(self) -> list[date]:
        return [self.published] if self.published else []

    def urls(self) -> list[str]:
        return [str(self.url)]


Fact = Annotated[Statement | Figure | Quote | Source, Field(discriminator="kind")]


def evidence(facts: Iterable[Fact]) -> Evidence:
    """All that the facts support, for the grounding check."""
    facts = list(facts)
    return Evidence.of(
        (text for fact in facts for text in fact.texts()), "the facts",
        dates=[d for fact in facts for d in fact.dates()],
        urls=[u for fact in facts for u in fact.urls()],
        labelled=[pair for fact in facts for pair in fact.amounts()],
    )
