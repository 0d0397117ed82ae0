"""Any OpenAI-compatible chat server (vLLM, TGI, llama.cpp, Ollama, OpenAI) via the openai client.

Retries: the client's own retries are switched off (``max_retries=0``). Transport failures are
raised as retryable ``BackendError`` and retried in one place only, ``aigc_core.retry``.

Requests go through the client's generic ``post`` (its documented way to call any endpoint)
rather than ``chat.completions.create``: that method walks the SDK's typed-dict annotations to
transform the parameters and builds a typed response object, 1.3 ms of CPU per call against a
local server, twice the cost of the HTTP exchange itself (``benchmarks/overhead.py``). Auth,
timeouts and the SDK's error classes are the same either way; the reply is validated here.

Errors: a server's own error text can hold anything it was sent (an echoed API key) or knows
(a traceback), so the job's result gets a sanitised message (status, reason, and for requests
the server refused a short masked excerpt) and the operator's log the masked detail.
"""

from __future__ import annotations

import logging
import os
from http import HTTPStatus
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import BackendError, ConfigError
from ..jobs import Usage
from ..redact import excerpt, redact
from .base import Completion, CompletionRequest, ModelConfig, parse_settings

log = logging.getLogger(__name__)

#: What each status means for the operator, where the standard phrase says less.
_REASONS = {
    401: "authentication failed",
    403: "permission denied",
    404: "not found; check base_url and model",
    407: "proxy authentication failed",
    429: "rate limited",
}
#: Statuses whose body goes to no client: authentication failures echo the credentials sent,
#: and server errors describe the server (tracebacks, file paths). Other 4xx bodies say what
#: was wrong with the request (e.g. a prompt over the context length), which clients need.
_SILENT_STATUSES = frozenset({401, 403, 407})
#: Characters of the server's text a client sees; the log keeps more.
CLIENT_EXCERPT = 120
LOG_EXCERPT = 500

#: How each server dialect wants a JSON schema passed (a dispatch table, one entry per form).
StructuredForm = Literal["json_schema", "json_object_schema", "json_object", "none"]


def _json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}


def _json_object_schema(schema: dict[str, Any]) -> dict[str, Any]:
    # llama.cpp's servers read the schema beside the json_object type.
    return {"type": "json_object", "schema": schema}


_RESPONSE_FORMATS = {
    "json_schema": _json_schema,
    "json_object_schema": _json_object_schema,
    "json_object": lambda schema: {"type": "json_object"},
    "none": lambda schema: None,
}


class OpenAISettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(description="e.g. http://127.0.0.1:8000/v1")
    model: str = Field(description="The model id the server knows.")
    api_key_env: str | None = Field(None, description="Env var holding the API key.")
    timeout: float = Field(120.0, gt=0, description="Seconds per request.")
    connect_timeout: float = Field(5.0, gt=0)
    structured_output: StructuredForm = "json_schema"


class _ReplyMessage(BaseModel):
    content: str | None = None


class _ReplyChoice(BaseModel):
    message: _ReplyMessage
    finish_reason: str | None = None


class _ReplyUsage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class ChatReply(BaseModel):
    """The parts of a chat completion the engine reads; servers add more, which is ignored."""

    model: str | None = None
    choices: list[_ReplyChoice] = Field(min_length=1)
    usage: _ReplyUsage | None = None


class OpenAIBackend:
    """Chat completions over HTTP.

    >>> backend = OpenAIBackend(ModelConfig(name="m", backend="openai",
    ...     base_url="http://127.0.0.1:8000/v1", model="smollm2"))
    """

    kind = "openai"

    def __init__(self, config: ModelConfig):
        import openai

        self.settings: OpenAISettings = parse_settings(config, OpenAISettings)
        self.model_id = self.settings.model
        key = "not-needed"
        if self.settings.api_key_env:
            key = os.environ.get(self.settings.api_key_env, "")
            if not key:
                raise ConfigError(
                    f"models.{config.name}.api_key_env names {self.settings.api_key_env!r}, "
                    "which is not set in the environment"
                )
        self._openai = openai
        self._client = openai.OpenAI(
            base_url=self.settings.base_url,
            api_key=key,
            max_retries=0,
            timeout=openai.Timeout(self.settings.timeout, connect=self.settings.connect_timeout),
        )

    def _request_options(self, request: CompletionRequest) -> dict[str, Any]:
        # A job with a deadline waits no longer than its time left for this answer.
        if request.timeout is None or request.timeout >= self.settings.timeout:
            return {}
        return {"timeout": self._openai.Timeout(
            max(request.timeout, 0.001), connect=min(self.settings.connect_timeout,
                                                     max(request.timeout, 0.001)))}

    def complete(self, request: CompletionRequest) -> Completion:
        opts = request.options
        kwargs: dict[str, Any] = {
            "model": self.model_id,
            "messages": [m.model_dump() for m in request.messages],
        }
        for name in ("temperature", "top_p", "max_tokens", "seed", "stop", "frequency_penalty",
                     "presence_penalty"):
            value = getattr(opts, name)
            if value is not None:
                kwargs[name] = value
        if request.json_schema is not None:
            fmt = _RESPONSE_FORMATS[self.settings.structured_output](request.json_schema)
            if fmt is not None:
                kwargs["response_format"] = fmt
        try:
            body = self._client.post("/chat/completions", body=kwargs, cast_to=object,
                                     options=self._request_options(request))
        except self._openai.APIStatusError as exc:
            raise _status_error(exc, self.settings.base_url) from exc
        except (self._openai.APITimeoutError, self._openai.APIConnectionError) as exc:
            where, why = redact(self.settings.base_url), excerpt(str(exc))
            log.warning("model server %s: %s", where, why)
            raise BackendError(f"{where}: {why}", retryable=True) from exc
        try:
            reply = ChatReply.model_validate(body)
        except ValidationError as exc:
            # A 200 that is not a chat completion: base_url points at something else.
            raise BackendError(
                f"{redact(self.settings.base_url)}/chat/completions answered 200 with something "
                f"that is not a chat completion ({exc.error_count()} problem(s), first: "
                f"{_first_problem(exc)}); check that base_url is the server's /v1 root"
            ) from exc
        choice = reply.choices[0]
        usage = Usage()
        if reply.usage is not None:
            usage = Usage(
                prompt_tokens=reply.usage.prompt_tokens or 0,
                completion_tokens=reply.usage.completion_tokens or 0,
            )
        return Completion(
            text=choice.message.content or "",
            usage=usage,
            finish_reason=choice.finish_reason,
            model_id=reply.model or self.model_id,
        )


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "the body"
    return f"{where}: {error['msg']}"


def _status_error(exc: Any, base_url: str) -> BackendError:
    status = exc.status_code
    retry_after = _retry_after(exc.response.headers.get("retry-after"))
    retryable = status in (408, 409, 429) or status >= 500
    text = _server_text(exc)
    log.warning("model server %s answered HTTP %d: %s", redact(base_url), status,
                excerpt(text, LOG_EXCERPT))
    message = f"model server returned HTTP {status} ({_reason(status)})"
    if status not in _SILENT_STATUSES and status < 500 and text:
        message += f": {excerpt(text, CLIENT_EXCERPT)}"
    return BackendError(message, retryable=retryable, retry_after=retry_after)


def _reason(status: int) -> str:
    if status in _REASONS:
        return _REASONS[status]
    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "server error" if status >= 500 else "refused"


def _server_text(exc: Any) -> str:
    """The server's own words: the OpenAI-style ``error.message``, else the whole body."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return str(body) if body is not None else ""


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # HTTP-date form: fall back to our own backoff


def register(register):
    register("openai", OpenAIBackend)
