"""Jurisdiction compliance: restricted advertising terms from ``compliance_terms``.

A term inside the product or brand name given in the input is exempt: naming a product or
registered trademark is not a claim (China's 2023 enforcement guideline says so for absolute
terms; a "Best Buy" ad is not a superiority claim either).
"""

from __future__ import annotations

from aigc_core import Problem
from aigc_core.checks import quote

from .checking import each_text
from .compliance_terms import JURISDICTIONS
from .models import AdCopy, AdCopyInput
from .terms import find_all, spans_of


def restricted_in(kind: str, path: str, text: str, data: AdCopyInput) -> list[Problem]:
    exempt = spans_of((data.product, data.brand), text)
    problems = []
    for code in data.compliance:
        rules = JURISDICTIONS[code]
        patterns = [(r.term, r.pattern) for r in rules.restrictions]
        problems += [
            Problem(field=path, code=f"compliance_{code}",
                    message=f"{quote(text)} uses {hit.found!r} (restricted term {hit.term!r}): "
                            f"{rules.basis}; {rules.advice}")
            for hit in find_all(patterns, text, exempt)
        ]
    return problems


def check_compliance(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    return each_text(output, data, restricted_in)
