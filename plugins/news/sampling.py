"""Sampling settings the news generators share."""

from __future__ import annotations

from aigc_core import GenerationOptions

#: A small model at a low temperature writes the same sentence into every paragraph, point and
#: variant; some warmth and a penalty on repeated tokens make them differ. Grounding catches
#: what the extra freedom invents.
VARIED = GenerationOptions(temperature=0.5, frequency_penalty=0.5)


def options(max_tokens: int) -> GenerationOptions:
    return VARIED.merged(GenerationOptions(max_tokens=max_tokens))
