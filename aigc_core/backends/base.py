"""The contract between the engine and a model backend."""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ..jobs import Usage
from ..options import GenerationOptions


class Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class CompletionRequest(BaseModel):
    """One chat completion. ``json_schema`` asks for output constrained to that schema where the
    backend can enforce it; the engine validates the answer either way."""

    messages: list[Message]
    options: GenerationOptions
    json_schema: dict[str, Any] | None = None


class Completion(BaseModel):
    text: str
    usage: Usage = Field(default_factory=Usage)
    finish_reason: str | None = None
    model_id: str = ""


class ModelConfig(BaseModel):
    """One named model endpoint from the config file or environment.

    Settings besides ``backend`` and ``options`` belong to the backend, which validates them
    (see each backend's ``Settings`` model).
    """

    model_config = ConfigDict(extra="allow")

    name: str
    backend: str = "local"
    options: GenerationOptions = Field(default_factory=GenerationOptions)
    description: str = ""

    def backend_settings(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


@runtime_checkable
class Backend(Protocol):
    """A model the engine can call. Implementations must be safe to call from several threads."""

    kind: str
    model_id: str

    def complete(self, request: CompletionRequest) -> Completion: ...


def parse_settings(config: ModelConfig, model: type[BaseModel]) -> Any:
    """Validate a model's backend settings, naming the exact config key on error."""
    from pydantic import ValidationError

    from ..errors import ConfigError
    from ..problems import from_validation_error

    try:
        return model.model_validate(config.backend_settings())
    except ValidationError as exc:
        problems = from_validation_error(exc.errors(), prefix=f"models.{config.name}")
        raise ConfigError(
            f"model {config.name!r} (backend {config.backend!r}) is misconfigured:\n"
            + "\n".join(f"  - {p}" for p in problems)
        ) from None
