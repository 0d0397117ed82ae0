"""The generator ``translation.translate``: one document into one target language."""

from __future__ import annotations

import copy
import re
from typing import Any

from aigc_core import GenerationOptions, Generator

from . import masking
from .chunking import DocumentChunking
from .models import MODEL_WRITES, TranslateInput, TranslateOutput, TranslationPart
from .validators import VALIDATORS

#: Text between tokens: anything but the start of another tag or a raw line break (line
#: breaks are masked as tokens, so a raw one is the model rambling).
_FREE = r"[^<\n]*"


def constrained_schema(part: TranslationPart) -> dict[str, Any]:
    """The part's schema with a pattern that makes decoding copy each token once, in order.

    On backends with grammar-constrained decoding (llama.cpp) the model then cannot drop,
    repeat or invent a placeholder, which small models otherwise do on almost every job;
    other backends get the same pattern as a hint and the validators as the guarantee.
    """
    schema = copy.deepcopy(MODEL_WRITES)
    tokens = [masking.token(int(m.group(1))) for m in masking.TOKEN.finditer(part.text)]
    pattern = _FREE + _FREE.join(re.escape(tok) for tok in tokens) + _FREE
    schema["properties"]["translation"]["pattern"] = f"^{pattern}$"
    return schema

TRANSLATE = Generator(
    name="translation.translate",
    description="Translate plain text, Markdown, HTML or a JSON i18n file into one language, "
                "keeping placeholders, tags, Markdown structure and JSON keys intact.",
    input_model=TranslateInput,
    output_model=TranslateOutput,
    system="translation/translate.system.j2",
    prompt="translation/translate.user.j2",
    templates_from=__package__,
    # A chunk is at most CHUNK_CHARS masked characters; its translation in JSON fits well
    # within max_tokens. Low temperature: a translation has one right answer, roughly.
    options=GenerationOptions(temperature=0.1, max_tokens=384, max_repairs=2),
    validators=VALIDATORS,
    chunking=DocumentChunking(),
    output_schema=constrained_schema,
)
