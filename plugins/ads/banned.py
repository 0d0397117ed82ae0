"""The brand's own banned terms, matched as whole words in Latin script, anywhere in CJK."""

from __future__ import annotations

from aigc_core import Problem
from aigc_core.checks import quote

from .checking import each_text
from .models import AdCopy, AdCopyInput
from .terms import find_all, literal_pattern


def banned_in(kind: str, path: str, text: str, data: AdCopyInput) -> list[Problem]:
    patterns = [(term, literal_pattern(term)) for term in data.banned_terms]
    return [Problem(field=path, code="banned_term",
                    message=f"{quote(text)} uses the brand's banned term {hit.term!r} "
                            f"(as {hit.found!r}); reword without it")
            for hit in find_all(patterns, text)]


def check_banned_terms(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    return each_text(output, data, banned_in)
