"""The platform's editorial rules (``editorial_rules``) on every text of the ad.

Product and brand names are exempt: Google approves trademarks that use non-standard symbols
consistently, and a name like "Fr33dom" is not a gimmick the copy chose.
"""

from __future__ import annotations

from aigc_core import Problem
from aigc_core.checks import quote

from .checking import each_text
from .models import AdCopy, AdCopyInput
from .terms import find_all, spans_of


def editorial_in(kind: str, path: str, text: str, data: AdCopyInput) -> list[Problem]:
    exempt = spans_of((data.product, data.brand), text)
    problems = []
    for rule in data.preset.editorial:
        if rule.applies_to(kind):
            # One report per distinct offending string: "!!!" needs one fix, not three.
            found = dict.fromkeys(hit.found for hit in find_all([(rule.code, rule.pattern)],
                                                                text, exempt))
            problems += [Problem(field=path, code=rule.code,
                                 message=f"{quote(text)} {rule.message.format(found=item)}")
                         for item in found]
    return problems


def check_editorial(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    return each_text(output, data, editorial_in)
