"""The contract between the engine and a model backend."""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ..jobs import Usage
from ..options import GenerationOptions


class Message(BaseModel):
    """One chat message. ``prepare_messages`` hooks see and change these.

    >>> Message(role="user", content="Write three headlines about tides.")
    """

    role: Literal["system", "user", "assistant"]
    content: str


class CompletionRequest(BaseModel):
    """One chat completion, what a backend's ``complete`` receives.

    >>> request.messages[-1].content, request.options.max_tokens, request.timeout
    ('Write three headlines about tides.', 200, 29.5)
    """

    messages: list[Message]
    """The conversation: system and user messages, then, in a repair turn, the last answer and
    the problems found in it."""
    options: GenerationOptions
    """Sampling options, already merged (engine defaults < model < generator < job)."""
    json_schema: dict[str, Any] | None = None
    """The answer's JSON schema, for structured generators: constrain decoding to it where the
    backend can (a grammar, ``response_format``); the engine validates the answer either way."""
    timeout: float | None = Field(
        None, description="Seconds the job has left: a backend ends the call by then "
                          "(a timeout error, or an answer cut short). None: no deadline.")


class Completion(BaseModel):
    """A backend's answer.

    >>> Completion(text='{"headlines": [...]}', usage=Usage(prompt_tokens=52,
    ...            completion_tokens=31), finish_reason="stop", model_id="SmolLM2-135M-Instruct")
    """

    text: str
    """The answer as the model wrote it; the engine parses and validates it."""
    usage: Usage = Field(default_factory=Usage)
    """Prompt and completion tokens, counted against the job's ``token_budget``."""
    finish_reason: str | None = None
    """``"stop"``, ``"length"`` (cut at ``max_tokens``), ... as the backend reports it."""
    model_id: str = ""
    """The model that answered, for provenance."""


class ModelConfig(BaseModel):
    """One named model endpoint from the config file or environment.

    Settings besides ``backend`` and ``options`` belong to the backend, which validates them
    (see each backend's settings model: ``OpenAISettings``, ``LlamaCppSettings``, ...).

    >>> # [models.fast] backend = "openai"  base_url = "http://127.0.0.1:8000/v1"
    >>> config = ModelConfig(name="fast", backend="openai", base_url="http://127.0.0.1:8000/v1")
    >>> config.backend_settings()
    {'base_url': 'http://127.0.0.1:8000/v1'}
    """

    model_config = ConfigDict(extra="allow")

    name: str
    backend: str = "llama_cpp"
    options: GenerationOptions = Field(default_factory=GenerationOptions)
    description: str = ""

    def backend_settings(self) -> dict[str, Any]:
        """The backend's own settings: the table's keys besides the fields above."""
        return dict(self.model_extra or {})


@runtime_checkable
class Backend(Protocol):
    """A model the engine can call. Implementations must be safe to call from several threads.

    ``complete`` raises ``BackendError(message, retryable=True, retry_after=seconds)`` for a
    failure worth another try (the engine retries; see ``aigc_core.retry``) and a plain
    ``BackendError`` for one that is not; it ends the call by ``request.timeout``.

    >>> class EchoBackend:
    ...     kind, model_id = "echo", "echo-1"
    ...     def __init__(self, config: ModelConfig):
    ...         self.settings = parse_settings(config, EchoSettings)
    ...     def complete(self, request: CompletionRequest) -> Completion:
    ...         return Completion(text=request.messages[-1].content, model_id=self.model_id)
    """

    kind: str
    model_id: str

    def complete(self, request: CompletionRequest) -> Completion: ...


def parse_settings(config: ModelConfig, model: type[BaseModel]) -> Any:
    """Validate a model's backend settings, naming the exact config key on error
    (``ConfigError``: ``models.default.base_url: Field required``).

    >>> settings = parse_settings(config, MyCloudSettings)   # in the backend's __init__
    """
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
