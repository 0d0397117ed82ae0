"""No duplicate variants: Google rejects duplicate assets, and a repeated A/B variant tests
nothing. Texts differing only in case, spacing or punctuation count as duplicates."""

from __future__ import annotations

from aigc_core import Problem
from aigc_core.checks import distinct

from .models import AdCopy, AdCopyInput
from .presets import TEXT_FIELDS


def check_unique(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    return [problem for field in TEXT_FIELDS for problem in distinct(field, getattr(output, field))]
