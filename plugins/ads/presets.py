"""Platform presets: which text fields an ad platform takes, how many of each, how long, and
how the platform counts length. ``PRESETS`` is the dispatch table every check reads.

Limits as documented by the platforms:

* Google Ads responsive search ads: 3-15 headlines of at most 30, 2-4 descriptions of at most
  90, display paths path1/path2 of at most 15 each (path2 only with path1). Google counts
  double-width (CJK, full-width) characters as 2. Duplicate assets are rejected.
* Meta (Facebook/Instagram) ads: primary text shows about 125 characters, the headline about
  40 and the description about 30 before truncation; up to 5 options per text field.
* generic: a channel-neutral default for platforms without a preset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from aigc_core.checks import display_width

from .editorial_rules import GOOGLE_RULES, EditorialRule

Measure = Callable[[str], int]


@dataclass(frozen=True)
class TextLimit:
    """One list-valued text field of an ad: how many entries and how long each may be."""

    field: str
    min_items: int
    max_items: int
    max_size: int

    def wanted(self, variants: int) -> int:
        """The number of entries to write for a request of ``variants`` A/B variants."""
        return min(max(variants, self.min_items), self.max_items)


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    texts: tuple[TextLimit, ...]
    measure: Measure
    unit: str
    path_size: int | None = None  # None: the platform shows no display path
    editorial: tuple[EditorialRule, ...] = ()

    def limit(self, field: str) -> TextLimit | None:
        return next((t for t in self.texts if t.field == field), None)

    @property
    def counts_wide_double(self) -> bool:
        return self.measure is display_width


GOOGLE = Preset(
    name="google",
    title="Google Ads responsive search ad",
    texts=(
        TextLimit("headlines", 3, 15, 30),
        TextLimit("descriptions", 2, 4, 90),
    ),
    measure=display_width,
    unit="display width (CJK counts 2)",
    path_size=15,
    editorial=GOOGLE_RULES,
)

META = Preset(
    name="meta",
    title="Meta (Facebook/Instagram) ad",
    texts=(
        TextLimit("primary_texts", 1, 5, 125),
        TextLimit("headlines", 1, 5, 40),
        TextLimit("descriptions", 1, 5, 30),
    ),
    # Meta's truncation points are stated in characters.
    measure=len,
    unit="characters",
)

GENERIC = Preset(
    name="generic",
    title="generic text ad",
    texts=(
        TextLimit("headlines", 1, 5, 40),
        TextLimit("descriptions", 1, 5, 90),
    ),
    # Counting wide characters double is the safe side when the channel is unknown.
    measure=display_width,
    unit="display width (CJK counts 2)",
)

PRESETS: dict[str, Preset] = {p.name: p for p in (GOOGLE, META, GENERIC)}

PlatformName = Literal["google", "meta", "generic"]

#: Every list field any preset uses, in the order the output model declares them.
TEXT_FIELDS: tuple[str, ...] = ("headlines", "descriptions", "primary_texts")


def envelope(field: str) -> TextLimit:
    """The loosest limit over all presets for ``field``: what one static JSON schema can
    enforce for every platform. Per-platform limits are checked by the validators."""
    limits = [t for p in PRESETS.values() for t in p.texts if t.field == field]
    required_everywhere = len(limits) == len(PRESETS)
    return TextLimit(
        field=field,
        min_items=min(t.min_items for t in limits) if required_everywhere else 0,
        max_items=max(t.max_items for t in limits),
        max_size=max(t.max_size for t in limits),
    )


#: The longest display path any preset allows.
PATH_ENVELOPE: int = max(p.path_size or 0 for p in PRESETS.values())
