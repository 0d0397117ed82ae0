"""Settings from a TOML file and ``AIGC_*`` environment variables (environment wins).

The file is ``$AIGC_CONFIG`` if set, else ``./aigc.toml`` if present. With no file and no
variables, the one model ``default`` is the embedded SmolLM2 and every installed plugin loads.

    # aigc.toml
    template_dirs = ["prompts"]          # operator overrides of plugin templates, by name
    disable_plugins = ["labels"]

    [models.default]
    backend = "openai"
    base_url = "http://127.0.0.1:8000/v1"
    model = "Qwen/Qwen2.5-7B-Instruct"
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .backends.base import ModelConfig
from .errors import ConfigError
from .gates.settings import GateSettings
from .ledger.settings import LedgerSettings
from .options import GenerationOptions
from .problems import from_validation_error
from .review.settings import ReviewSettings

T = TypeVar("T", bound=BaseModel)

_config_file: ContextVar[Path | None] = ContextVar("aigc_config_file", default=None)


def config_path() -> Path | None:
    explicit = _config_file.get()
    if explicit is not None:
        return explicit
    if env := os.environ.get("AIGC_CONFIG"):
        return Path(env)
    local = Path("aigc.toml")
    return local if local.is_file() else None


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AIGC_", env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    models: dict[str, ModelConfig] = Field(default_factory=dict)
    defaults: GenerationOptions = Field(default_factory=GenerationOptions)
    template_dirs: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    enable_plugins: Annotated[list[str] | None, NoDecode] = Field(
        None, description="Load only these plugins (by entry-point name), and the labels "
                          "plugin, which only disable_plugins turns off."
    )
    disable_plugins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    strict_plugins: bool = Field(False, description="A plugin that fails to load is fatal.")
    queue: dict[str, Any] = Field(
        default_factory=dict,
        description="The [queue] table: read and validated by aigc_workers.settings.",
    )
    gateway: dict[str, Any] = Field(
        default_factory=dict,
        description="The [gateway] table: read and validated by aigc_gateway.settings.",
    )
    plugin_settings: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-plugin settings, read by plugins by their name."
    )
    gates: GateSettings = Field(
        default_factory=GateSettings,
        description="The [gates] table: content gates' thresholds, and gates turned off.")
    ledger: LedgerSettings = Field(
        default_factory=LedgerSettings,
        description="The [ledger] table: where jobs and results are recorded.")
    review: ReviewSettings = Field(
        default_factory=ReviewSettings,
        description="The [review] table: which jobs wait for a person (docs/review.md).")

    _split = field_validator("template_dirs", "enable_plugins", "disable_plugins", mode="before")(
        _split_list
    )

    @field_validator("models", mode="before")
    @classmethod
    def _name_models(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                name: {**cfg, "name": name} if isinstance(cfg, dict) else cfg
                for name, cfg in value.items()
            }
        return value

    @model_validator(mode="after")
    def _ensure_default_model(self) -> Settings:
        self.models.setdefault("default", ModelConfig(name="default", backend="llama_cpp"))
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_path()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def validate_table(model: type[T], data: dict[str, Any], table: str) -> T:
    """Validate one table of the configuration (``[queue]``, ``[gateway]``) with the model of
    the part that owns it; errors name each bad key as ``table.key``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = "\n".join(f"  - {p}" for p in from_validation_error(exc.errors(), prefix=table))
        raise ConfigError(f"invalid [{table}] settings:\n{lines}") from None


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings; errors name the setting and the file they came from."""
    if path is not None and not Path(path).is_file():
        raise ConfigError(f"config file not found: {path}")
    token = _config_file.set(Path(path) if path is not None else None)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        where = config_path() or "environment"
        lines = "\n".join(f"  - {p}" for p in from_validation_error(exc.errors()))
        raise ConfigError(f"invalid configuration ({where}):\n{lines}") from None
    except ValueError as exc:  # malformed TOML
        raise ConfigError(f"cannot read configuration {config_path()}: {exc}") from None
    finally:
        _config_file.reset(token)
