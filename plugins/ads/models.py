"""Input and output models of ``ads.copy``.

``AdCopy`` parses and exports every platform's ad, so its bounds are the loosest over the
presets. The model is given the exact schema for one input (``schema.py``), and the
validators check each platform's own limits on any answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
    model_validator,
)

from aigc_core.language import LanguageTag

from .compliance_terms import JURISDICTIONS, JurisdictionCode
from .presets import (
    PATH_ENVELOPE,
    PRESETS,
    TEXT_FIELDS,
    PlatformName,
    Preset,
    envelope,
)

#: Copywriting frameworks and the steps the prompt asks the copy to follow.
FRAMEWORKS: dict[str, str] = {
    "AIDA": "Attention, Interest, Desire, Action",
    "PAS": "Problem, Agitate, Solution",
    "FAB": "Features, Advantages, Benefits",
}
Framework = Literal["AIDA", "PAS", "FAB"]

Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class AdCopyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product: str = Field(min_length=1, max_length=80,
                         description="Product or service name, as it must appear in the ad.")
    brand: str = Field("", max_length=60,
                       description="Brand or registered trademark. Like the product name, it is "
                                   "exempt from the compliance term check.")
    audience: str = Field("", max_length=200, description="Who the ad is for.")
    benefits: list[Phrase] = Field(default_factory=list, max_length=6,
                                   description="Key benefits, most important first.")
    offer: str = Field("", max_length=120, description="Offer, e.g. '20% off until May 31'.")
    call_to_action: str = Field("", max_length=40, description="e.g. 'Shop now'.")
    brand_voice: str = Field("clear and friendly", min_length=1, max_length=80,
                             description="Tone of the copy.")
    framework: Framework = Field("AIDA", description="Copywriting framework: AIDA, PAS or FAB.")
    language: LanguageTag = Field(
        "en", description="BCP 47 language tag of the copy, e.g. 'en', 'zh-CN'.")
    variants: int = Field(3, ge=1, le=15,
                          description="A/B variants per text field; raised or capped to the "
                                      "platform's allowed count (Google: 3-15 headlines, 2-4 "
                                      "descriptions; Meta: 1-5 per field).")
    platform: PlatformName = Field("google", description="Platform preset: google, meta, generic.")
    banned_terms: list[Term] = Field(default_factory=list, max_length=100,
                                     description="The brand's banned words and phrases.")
    compliance: list[JurisdictionCode] = Field(
        default_factory=list, max_length=len(JURISDICTIONS),
        description="Jurisdiction presets whose restricted claims are checked: cn, us, eu.")
    product_in_headlines: bool = Field(False, description="Every headline must name the product.")

    def brief(self) -> str:
        """What the input says about the product, as one text: the copy's words and numbers
        must come from it (``figures``, ``relevance``)."""
        return " \n ".join([self.product, self.brand, self.audience, *self.benefits, self.offer,
                            self.call_to_action])

    @property
    def preset(self) -> Preset:
        return PRESETS[self.platform]

    @model_validator(mode="after")
    def _product_fits_headlines(self) -> AdCopyInput:
        limit = self.preset.limit("headlines")
        size = self.preset.measure(self.product)
        if self.product_in_headlines and limit and size > limit.max_size:
            raise ValueError(
                f"product is {size} in {self.preset.unit} but a {self.platform} headline holds "
                f"{limit.max_size}: it cannot be required in headlines; shorten the name or set "
                "product_in_headlines to false")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def spec(self) -> dict[str, Any]:
        """What the prompt needs from the preset: templates see only the input's fields."""
        preset = self.preset
        return {
            "platform": preset.title,
            "fields": [{"name": t.field, "count": t.wanted(self.variants), "max": t.max_size}
                       for t in preset.texts],
            "path_max": preset.path_size,
            "wide_counts_double": preset.counts_wide_double,
            "steps": FRAMEWORKS[self.framework],
            "rules": list(dict.fromkeys([
                *(rule.hint for rule in preset.editorial),
                *(JURISDICTIONS[code].hint for code in self.compliance)])),
        }


def _text_list(field: str, description: str) -> Any:
    """A list-of-texts type bounded by the loosest preset limits for ``field``."""
    bound = envelope(field)
    item = Annotated[str, StringConstraints(min_length=1, max_length=bound.max_size)]
    default: dict[str, Any] = {} if bound.min_items else {"default_factory": list}
    return Annotated[list[item], Field(  # type: ignore[valid-type]
        min_length=bound.min_items, max_length=bound.max_items, description=description,
        **default)]


Headlines = _text_list("headlines", "Short headlines, each a distinct variant.")
Descriptions = _text_list("descriptions", "Descriptions, each a distinct variant.")
PrimaryTexts = _text_list("primary_texts", "Meta primary texts; empty for other platforms.")


class AdCopy(BaseModel):
    """Ad copy for one platform. Fields a platform does not use stay empty."""

    headlines: Headlines
    descriptions: Descriptions
    primary_texts: PrimaryTexts
    path1: str = Field("", max_length=PATH_ENVELOPE,
                       description="Google display path 1; empty for other platforms.")
    path2: str = Field("", max_length=PATH_ENVELOPE,
                       description="Google display path 2, only with path1.")

    def texts(self) -> Iterator[tuple[str, str, str]]:
        """Every text as ``(kind, field path, text)``: kind is the list name, or "path" for
        a display path that is set."""
        for field in TEXT_FIELDS:
            for index, text in enumerate(getattr(self, field)):
                yield field, f"{field}[{index}]", text
        for field in ("path1", "path2"):
            if getattr(self, field):
                yield "path", field, getattr(self, field)
