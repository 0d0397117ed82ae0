"""The translation generator's input, output, and the input of one model call (a part)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    computed_field,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from aigc_core.language import LanguageTag

from . import languages
from .formats import ContentFormat, translatable_words
from .masking import Token

#: Longest text (or JSON document, serialised) one job translates.
MAX_TEXT_CHARS = 100_000

Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Formality = Literal["default", "formal", "informal"]


class TranslateInput(BaseModel):
    """A document to translate into one target language."""

    model_config = ConfigDict(extra="forbid")

    text: Text | dict[str, Any] = Field(
        description="The content. For format 'json': an i18n object (or a string holding one); "
                    "nested objects and lists are allowed, string values are translated, keys "
                    "and other values are kept.",
    )
    target_language: LanguageTag = Field(
        description="The one language to translate into, a BCP 47 code ('fr', 'pt-BR'). "
                    "For several targets queue one job per target.",
    )
    source_language: LanguageTag | None = Field(
        None, description="The text's language; detected with py3langid when absent.",
    )
    glossary: dict[Term, Term] = Field(
        default_factory=dict, max_length=200,
        description="Term -> required translation. Every occurrence of a term (whole word, any "
                    "case) is rendered as its translation.",
    )
    formality: Formality = Field(
        "default", description="Register: 'formal' (e.g. French vous), 'informal' (tu), or the "
                               "model's default.",
    )
    format: ContentFormat = Field(
        "plain", description="plain, markdown, html, or json (an i18n file).",
    )

    @model_validator(mode="after")
    def _document_matches_format(self) -> TranslateInput:
        if self.format == "json" and isinstance(self.text, str):
            self.text = _parse_i18n(self.text)
        elif self.format != "json" and isinstance(self.text, dict):
            raise ValueError(f"text: an object is accepted only with format 'json', "
                             f"not {self.format!r}")
        if isinstance(self.text, dict) and \
                len(json.dumps(self.text, ensure_ascii=False)) > MAX_TEXT_CHARS:
            raise ValueError(f"text: longer than {MAX_TEXT_CHARS} characters; split the file")
        if self.source_language and (languages.primary(self.source_language)
                                     == languages.primary(self.target_language)):
            raise ValueError("target_language: is the source language; nothing to translate")
        return self

    def resolved_source_language(self) -> str:
        """The given source language, else the one detected in the translatable words."""
        return self.source_language or languages.detect(translatable_words(self.format, self.text))


def _parse_i18n(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"text: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ValueError("text: a JSON i18n file must be an object of keys")
    return data


class TranslationPart(BaseModel):
    """What one model call translates: a chunk of a document with its protected spans masked as
    ``<xN/>`` tokens, and the words around it as context. Built by the chunking, never by users."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The chunk, masked.")
    tokens: list[Token] = Field(description="What each token in the chunk stands for.")
    context_before: str = Field("", description="Source words just before the chunk.")
    context_after: str = Field("", description="Source words just after the chunk.")
    segment: str = Field("translation", description="The segment the chunk is from, as a "
                                                    "path of the output: translation.menu.save.")
    format: ContentFormat
    source_language: str
    target_language: LanguageTag
    formality: Formality

    @computed_field
    def source_name(self) -> str:
        return languages.name(self.source_language)

    @computed_field
    def target_name(self) -> str:
        return languages.name(self.target_language)


#: What the model itself writes for each part; the other output fields are filled in by code.
MODEL_WRITES: dict[str, Any] = {
    "type": "object",
    "properties": {"translation": {
        "type": "string", "minLength": 1,
        "description": "The translated text, every <xN/> token copied exactly once.",
    }},
    "required": ["translation"],
    "additionalProperties": False,
}


class TranslateOutput(BaseModel):
    """A translated document."""

    translation: str | dict[str, Any] = Field(
        description="The translation: text, or for format 'json' the object with the source's "
                    "keys and translated values.",
    )
    source_language: str = Field("", description="The source language, given or detected.")
    target_language: str = Field("", description="The language translated into.")
    glossary_applied: list[str] = Field(
        default_factory=list,
        description="Glossary terms found in the source whose translation is in the output.",
    )

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # The engine constrains decoding with the validation-mode schema: the model writes only
        # the translation of one part (tokens, not the finished document); the languages and
        # the glossary list are facts code copies in. The serialization-mode schema describes
        # the result as callers receive it.
        if handler.mode == "validation":
            return {"title": cls.__name__, **MODEL_WRITES}
        return handler(core_schema)
