"""The product name in every headline, when the input requires it."""

from __future__ import annotations

from aigc_core import Problem
from aigc_core.checks import normalise, quote

from .checking import each_text
from .models import AdCopy, AdCopyInput
from .terms import literal_pattern


def product_named(kind: str, path: str, text: str, data: AdCopyInput) -> list[Problem]:
    if kind != "headlines" or not data.product_in_headlines:
        return []
    # Compared without case, spacing and punctuation: "Acme Pro-X" is named by "ACME Pro X".
    if literal_pattern(normalise(data.product)).search(normalise(text)):
        return []
    return [Problem(field=path, code="product_missing",
                    message=f"{quote(text)} does not name the product; include "
                            f"{data.product!r}")]


def check_product_name(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    return each_text(output, data, product_named)
