"""The operator's ``[plugin_settings.labels]`` table, validated, and the built-in label texts.

    [plugin_settings.labels]
    default_language = "en"      # used when the job's input names no language we know
    position = "start"           # where the visible label goes in text outputs
    content_producer = "ACME News (备案号 ...)"

    [plugin_settings.labels.languages.zh]
    text = "【人工智能生成】"
    position = "end"
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from aigc_core import ConfigError
from aigc_core.labelling import SEPARATOR, ExplicitLabel, Position

#: The key of this plugin's table under ``[plugin_settings]``.
SETTINGS_KEY = "labels"


class LanguageLabel(BaseModel):
    """The visible label for one language."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=100,
                      description="The label shown to readers, e.g. '[AI-generated]'.")
    position: Position | None = Field(
        None, description="Where it goes in text outputs; unset means the plugin's `position`.")


#: Short, unambiguous wording in each language; "AI生成" is the wording GB 45438-2025 shows for
#: Chinese text.
DEFAULT_LANGUAGES: dict[str, LanguageLabel] = {
    code: LanguageLabel(text=text)
    for code, text in {
        "en": "[AI-generated]",
        "zh": "【AI生成】",
        "fr": "[Généré par IA]",
        "de": "[KI-generiert]",
        "es": "[Generado por IA]",
        "ja": "【AI生成】",
    }.items()
}

#: Generators are free to take a language as a name rather than a code ("French").
LANGUAGE_NAMES: dict[str, str] = {
    "english": "en", "chinese": "zh", "mandarin": "zh", "中文": "zh", "french": "fr",
    "français": "fr", "german": "de", "deutsch": "de", "spanish": "es", "español": "es",
    "japanese": "ja", "日本語": "ja",
}


class LabelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_language: str = Field(
        "en", description="Language of the label when the job's input names none we know.")
    position: Position = Field("start", description="Default place of the label in text outputs.")
    separator: str = Field(SEPARATOR, max_length=10,
                           description="Put between the label and the text it marks.")
    content_producer: str = Field(
        "aigc", min_length=1, max_length=200,
        description="GB 45438 ContentProducer: the service provider's name or code.")
    content_propagator: str = Field(
        "", max_length=200,
        description="GB 45438 ContentPropagator, for operators who also publish the content.")
    languages: dict[str, LanguageLabel] = Field(
        default_factory=dict, validate_default=True,
        description="Labels by language code, merged over the built-in ones.")

    @field_validator("default_language")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("languages")
    @classmethod
    def _merge_defaults(cls, value: dict[str, LanguageLabel]) -> dict[str, LanguageLabel]:
        return {**DEFAULT_LANGUAGES, **{code.lower(): label for code, label in value.items()}}

    @model_validator(mode="after")
    def _default_has_label(self) -> LabelSettings:
        if self.default_language not in self.languages:
            raise ValueError(
                f"default_language {self.default_language!r} has no label; add "
                f"[plugin_settings.labels.languages.{self.default_language}] text = \"...\" "
                f"or use one of: {', '.join(sorted(self.languages))}")
        return self

    def explicit_for(self, language: str | None) -> ExplicitLabel:
        """The label for a job's language: exact tag ("zh-tw"), then its primary subtag ("zh"),
        then a language name ("Chinese"), then ``default_language``."""
        code = _resolve(language, self.languages) or self.default_language
        label = self.languages[code]
        return ExplicitLabel(text=label.text, position=label.position or self.position,
                             language=code, separator=self.separator)


def _resolve(language: str | None, known: dict[str, LanguageLabel]) -> str | None:
    if not language:
        return None
    tag = language.strip().lower().replace("_", "-")
    candidates = (tag, tag.split("-", 1)[0], LANGUAGE_NAMES.get(tag, ""))
    return next((code for code in candidates if code in known), None)


def load(table: dict[str, Any]) -> LabelSettings:
    """Validate the settings table; a mistake is reported with the setting's full name."""
    try:
        return LabelSettings.model_validate(table)
    except ValidationError as exc:
        details = "; ".join(
            f"plugin_settings.{SETTINGS_KEY}.{'.'.join(map(str, err['loc']))}: {err['msg']}"
            if err["loc"] else f"plugin_settings.{SETTINGS_KEY}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid labels settings: {details}") from None
