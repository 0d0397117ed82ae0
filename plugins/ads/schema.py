"""The output JSON schema for one input: the platform's fields only, exactly the requested
number of variants, and each text's length limit, so that grammar-constrained decoding
enforces them. The validators still check every answer (other backends may ignore schemas)."""

from __future__ import annotations

import re
from typing import Any

from .models import AdCopyInput

#: Languages whose copy is mostly double-width (CJK) characters.
WIDE_LANGUAGES = frozenset({"zh", "ja", "ko"})

# Characters a text may contain, as the inside of a negated class: no quote, backslash or
# control character, so the model never needs a JSON escape. Written for both the regex of
# JSON schema and llama.cpp's grammar, which copies character classes as they are.
_NOT_TEXT = '"\\\\\\x00-\\x1f'
# A display path is one word of a URL: no space and no ASCII punctuation but "-" (this also
# keeps out the quote and backslash).
_NOT_PATH = "\\x00-\\x2c\\x2e\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e"
_REGEX_SPECIAL = re.compile(r"([\\^$.|?*+()\[\]{}])")


def _regex_literal(text: str) -> str:
    # re.escape would also escape spaces, which llama.cpp's pattern converter mistranslates.
    return _REGEX_SPECIAL.sub(r"\\\1", text)


def _chars_for(width: int, data: AdCopyInput) -> int:
    """Characters that surely fit ``width``: maxLength counts characters, so where the
    platform counts CJK double and the copy is in a CJK language only half as many fit."""
    wide = data.preset.counts_wide_double and data.language.split("-")[0] in WIDE_LANGUAGES
    return width // 2 if wide else width


def _text(width: int, data: AdCopyInput, not_allowed: str, prefix: str = "",
          min_chars: int = 1) -> dict[str, Any]:
    """A string of at most ``width`` (as the platform counts), made of characters outside the
    class ``not_allowed``, starting with the literal ``prefix``."""
    most = _chars_for(width - data.preset.measure(prefix), data)
    body = f"[^{not_allowed}]{{{max(min_chars - len(prefix), 0)},{most}}}"
    return {"type": "string", "minLength": min_chars, "maxLength": len(prefix) + most,
            "pattern": f"^{_regex_literal(prefix)}{body}$"}


def _forced_prefix(field: str, data: AdCopyInput) -> str:
    """The product name starts every headline when the input requires it in headlines (a
    name with characters the pattern keeps out is left to the validator)."""
    wanted = field == "headlines" and data.product_in_headlines
    return data.product if wanted and not re.search(r'["\\\x00-\x1f]', data.product) else ""


def copy_schema(data: AdCopyInput) -> dict[str, Any]:
    preset = data.preset
    properties: dict[str, Any] = {}
    for limit in preset.texts:
        count = limit.wanted(data.variants)
        excluded = "".join(r.excluded for r in preset.editorial if r.applies_to(limit.field))
        item = _text(limit.max_size, data, _NOT_TEXT + _regex_literal(excluded),
                     _forced_prefix(limit.field, data))
        properties[limit.field] = {"type": "array", "minItems": count, "maxItems": count,
                                   "items": item}
    if preset.path_size is not None:
        for field in ("path1", "path2"):
            properties[field] = _text(preset.path_size, data, _NOT_PATH, min_chars=0)
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}
