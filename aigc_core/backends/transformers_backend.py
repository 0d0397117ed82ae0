"""Hugging Face ``transformers`` in this process, with dynamic micro-batching (extra ``gpu``).

The model is read from local disk only: a model directory (``config.json``, weights, tokenizer)
or a GGUF file (de-quantised by transformers through the ``gguf`` package). Offline mode is
forced, so a missing model is an error that says so, never a download.

Each process loads a model once, on its first request, and serves every thread from it: the
requests that arrive together are tokenised with the tokenizer's chat template, grouped by the
options a batch must share and left-padded into one ``generate`` call
(``aigc_core.backends.microbatch``). torch and transformers are imported, and CUDA initialised,
only then, so importing aigc or forking a Celery worker's pool never touches a GPU.

JSON schemas are enforced with xgrammar when it is installed (``structured_output``): each
row of a batch gets its own grammar, so jobs with different schemas still share a batch.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import AigcError, BackendError, BackendUnavailable, ConfigError
from ..jobs import Usage
from .base import Completion, CompletionRequest, ModelConfig, parse_settings
from .local import EMBEDDED_MODEL_ID, embedded_model_path
from .microbatch import MicroBatcher

log = logging.getLogger(__name__)

#: Used when neither the job, the generator nor the config sets ``max_tokens``.
DEFAULT_MAX_TOKENS = 512

INSTALL_HINT = "pip install 'aigc[gpu]'"


class TransformersSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: Path | None = Field(
        None, description="A local model directory or .gguf file; unset: the embedded SmolLM2.")
    device: str = Field(
        "auto", pattern=r"^(auto|cpu|mps|cuda(:\d+)?)$",
        description="auto: the first CUDA GPU when there is one, else the CPU.")
    device_map: str | dict[str, Any] | None = Field(
        None, description="Spread one model over devices (e.g. 'auto'); replaces device.")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field(
        "auto", description="auto: bfloat16 (float16 where unsupported) on CUDA, else float32.")
    attn_implementation: Literal["eager", "sdpa", "flash_attention_2"] | None = Field(
        None, description="Attention kernel; unset: transformers' choice.")
    chat_template: str | None = Field(
        None, description="A Jinja chat template replacing the tokenizer's own.")
    max_context: int | None = Field(
        None, ge=16, description="Prompt + max_tokens limit; unset: the model's context length.")
    max_batch_size: int = Field(32, ge=1, le=1024, description="Most requests in one batch.")
    batch_window_ms: float = Field(
        20.0, ge=0, le=5000,
        description="A batch is sent once no request has joined it for this long.")
    batch_max_wait_ms: float | None = Field(
        None, ge=0, le=60000,
        description="The longest a batch waits for more requests; unset: 4 windows.")
    structured_output: Literal["auto", "xgrammar", "none"] = Field(
        "auto", description="Constrained decoding of JSON schemas; auto: xgrammar if installed.")

    @model_validator(mode="after")
    def _wait_covers_window(self) -> TransformersSettings:
        if self.batch_max_wait_ms is not None and self.batch_max_wait_ms < self.batch_window_ms:
            raise ValueError("batch_max_wait_ms must be at least batch_window_ms")
        return self


class BatchKey(NamedTuple):
    """What every request of one ``generate`` call must share."""

    max_new_tokens: int
    temperature: float | None  # 0.0: greedy; None: the model's generation config decides
    top_p: float | None
    seed: int | None
    stop: tuple[str, ...]
    constrained: bool


@dataclass(frozen=True)
class Prompt:
    ids: list[int]
    grammar: Any = None  # an xgrammar CompiledGrammar, or None


def batch_key(request: CompletionRequest, constrained: bool) -> BatchKey:
    """Requests with equal keys can share a batch; greedy ones ignore top_p and seed."""
    opts = request.options
    greedy = opts.temperature == 0
    sampled = opts.temperature is not None and not greedy
    return BatchKey(
        max_new_tokens=opts.max_tokens or DEFAULT_MAX_TOKENS,
        temperature=opts.temperature,
        top_p=opts.top_p if sampled else None,
        seed=opts.seed if sampled else None,
        stop=tuple(opts.stop or ()),
        constrained=constrained,
    )


def _sampling(key: BatchKey) -> dict[str, Any]:
    if key.temperature is None:
        return {}
    if key.temperature == 0:
        return {"do_sample": False}
    return {"do_sample": True, "temperature": key.temperature, "top_p": key.top_p or 1.0}


def _force_offline() -> None:
    # huggingface_hub reads these when it is first imported; local_files_only is passed too.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _import_torch_stack() -> tuple[Any, Any]:
    _force_offline()
    try:
        import torch
        import transformers
    except ImportError:
        raise BackendUnavailable(
            f"the transformers backend needs torch and transformers; run: {INSTALL_HINT}"
        ) from None
    return torch, transformers


@dataclass(frozen=True)
class Source:
    """Where a model lies on disk, as ``from_pretrained`` arguments."""

    directory: Path
    gguf_file: str | None
    model_id: str

    def pretrained_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"pretrained_model_name_or_path": str(self.directory),
                                "local_files_only": True}
        if self.gguf_file:
            args["gguf_file"] = self.gguf_file
        return args


def resolve_source(name: str, path: Path | None) -> Source:
    """Check the model is on disk; raises ``ConfigError`` naming the setting otherwise."""
    if path is None:
        gguf = embedded_model_path()
        return Source(gguf.parent, gguf.name, EMBEDDED_MODEL_ID)
    path = path.expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return Source(path.parent, path.name, path.stem)
    if path.is_dir() and (path / "config.json").is_file():
        return Source(path, None, path.name)
    raise ConfigError(
        f"models.{name}.path: no model at {path}. The transformers backend never downloads: "
        "point it at a local .gguf file or a model directory with config.json, weights and "
        "tokenizer (e.g. made with `hf download ORG/MODEL --local-dir DIR`)."
    )


def _dtype(torch: Any, name: str, on_cuda: bool) -> Any:
    if name != "auto":
        return getattr(torch, name)
    if not on_cuda:
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def _no_grammar(runtime: Runtime) -> Any:
    return None


def _xgrammar(runtime: Runtime) -> Any:
    try:
        import xgrammar
    except ImportError:
        raise BackendUnavailable(
            "structured_output = 'xgrammar' needs xgrammar; run: pip install xgrammar"
        ) from None
    info = xgrammar.TokenizerInfo.from_huggingface(
        runtime.tokenizer, vocab_size=runtime.model.config.vocab_size,
        stop_token_ids=list(runtime.eos_ids))
    return xgrammar.GrammarCompiler(info)


def _auto_grammar(runtime: Runtime) -> Any:
    try:
        return _xgrammar(runtime)
    except BackendUnavailable:
        log.info("xgrammar is not installed: JSON output is checked by the repair loop only")
        return None


#: structured_output setting -> ``factory(runtime) -> grammar compiler or None``.
_GRAMMAR_COMPILERS: dict[str, Callable[[Runtime], Any]] = {
    "none": _no_grammar, "xgrammar": _xgrammar, "auto": _auto_grammar,
}


def _load_pretrained(torch: Any, transformers: Any, settings: TransformersSettings,
                     source: Source) -> tuple[Any, Any]:
    """Read tokenizer and model from disk, the model onto the configured device."""
    device = settings.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    kwargs: dict[str, Any] = {
        **source.pretrained_args(),
        "dtype": _dtype(torch, settings.dtype, device.startswith("cuda")),
    }
    if settings.attn_implementation:
        kwargs["attn_implementation"] = settings.attn_implementation
    if settings.device_map is not None:
        kwargs["device_map"] = settings.device_map
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(**source.pretrained_args())
        model = transformers.AutoModelForCausalLM.from_pretrained(**kwargs)
    except (OSError, ValueError) as exc:
        raise BackendUnavailable(f"cannot load {source.model_id}: {exc}") from exc
    if settings.device_map is None:
        model = model.to(device)
    if settings.chat_template:
        tokenizer.chat_template = settings.chat_template
    if not tokenizer.chat_template:
        raise BackendUnavailable(
            f"{source.model_id} has no chat template; set chat_template in its model config")
    return tokenizer, model.eval()


class Runtime:
    """One loaded model in one process: tokenizer, model, grammar compiler and batcher."""

    def __init__(self, settings: TransformersSettings, source: Source):
        self.source = source
        self.torch, self._transformers = _import_torch_stack()
        self.tokenizer, self.model = _load_pretrained(self.torch, self._transformers, settings,
                                                      source)
        self.eos_ids = self._eos_ids()
        self.pad_id = (self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None
                       else self.eos_ids[0])
        self.max_context = settings.max_context or int(
            getattr(self.model.config, "max_position_embeddings", 0)
            or self.tokenizer.model_max_length)
        # A fast (Rust) tokenizer mutates its state when encoding and refuses to be used from
        # another thread meanwhile ("Already borrowed"): one thread at a time.
        self._tokenizer_lock = threading.Lock()
        self.grammars = _GRAMMAR_COMPILERS[settings.structured_output](self)
        self.batcher: MicroBatcher[Prompt, Completion] = MicroBatcher(
            self.run_batch, window_s=settings.batch_window_ms / 1000.0,
            max_batch=settings.max_batch_size, name=f"batcher:{source.model_id}",
            max_wait_s=None if settings.batch_max_wait_ms is None
            else settings.batch_max_wait_ms / 1000.0)

    def _eos_ids(self) -> tuple[int, ...]:
        found = self.model.generation_config.eos_token_id
        ids = list(found) if isinstance(found, list) else [found]
        ids.append(self.tokenizer.eos_token_id)
        unique = tuple(dict.fromkeys(i for i in ids if i is not None))
        if not unique:
            raise BackendUnavailable(f"{self.source.model_id} defines no end-of-sequence token")
        return unique

    # -- in the caller's thread ----------------------------------------------------------
    def prepare(self, request: CompletionRequest) -> tuple[BatchKey, Prompt]:
        """Tokenise one request; a prompt that cannot run fails here, alone."""
        messages = [m.model_dump() for m in request.messages]
        try:
            text = self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True)
        except Exception as exc:  # a template that rejects e.g. a system message
            raise BackendError(f"{self.source.model_id} chat template: {exc}") from exc
        with self._tokenizer_lock:
            ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        grammar = self._grammar(request.json_schema)
        key = batch_key(request, constrained=grammar is not None)
        if len(ids) + key.max_new_tokens > self.max_context:
            raise BackendError(
                f"the prompt is {len(ids)} tokens and max_tokens is {key.max_new_tokens}: more "
                f"than the context of {self.max_context} tokens of {self.source.model_id}; "
                "shorten the input or lower max_tokens")
        return key, Prompt(ids=ids, grammar=grammar)

    def _grammar(self, schema: dict[str, Any] | None) -> Any:
        if schema is None or self.grammars is None:
            return None
        try:
            # Compact JSON: no runs of whitespace for a small model to get lost in.
            return self.grammars.compile_json_schema(json.dumps(schema), any_whitespace=False)
        except Exception as exc:  # a schema feature xgrammar lacks: the repair loop still checks
            log.warning("%s: schema not enforced (%s)", self.source.model_id, exc)
            return None

    # -- in the batcher's thread ---------------------------------------------------------
    def run_batch(self, key: BatchKey, prompts: list[Prompt]) -> list[Completion]:
        """One left-padded ``generate`` call for all ``prompts``."""
        torch = self.torch
        width = max(len(p.ids) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, prompt in enumerate(prompts):
            ids[row, width - len(prompt.ids):] = torch.tensor(prompt.ids, dtype=torch.long)
            mask[row, width - len(prompt.ids):] = 1
        kwargs: dict[str, Any] = {
            "input_ids": ids.to(self.model.device),
            "attention_mask": mask.to(self.model.device),
            "max_new_tokens": key.max_new_tokens,
            "eos_token_id": list(self.eos_ids),
            # Finished rows are filled with an end token, so each row's answer ends at its first.
            "pad_token_id": self.eos_ids[0],
            **_sampling(key),
        }
        if key.stop:
            with self._tokenizer_lock:  # reads the vocabulary
                kwargs["stopping_criteria"] = self._transformers.StoppingCriteriaList(
                    [self._transformers.StopStringCriteria(self.tokenizer, list(key.stop))])
        if key.constrained:
            from xgrammar.contrib.hf import LogitsProcessor

            kwargs["logits_processor"] = self._transformers.LogitsProcessorList(
                [LogitsProcessor([p.grammar for p in prompts])])
        if key.seed is not None:
            torch.manual_seed(key.seed)
        with torch.inference_mode():
            out = self.model.generate(**kwargs)
        rows = out[:, width:].tolist()
        return [self._completion(prompt, row, key) for prompt, row in zip(prompts, rows,
                                                                            strict=True)]

    def _completion(self, prompt: Prompt, tokens: list[int], key: BatchKey) -> Completion:
        end = next((i for i, token in enumerate(tokens) if token in self.eos_ids), None)
        answer = tokens if end is None else tokens[:end]
        with self._tokenizer_lock:
            text = self.tokenizer.decode(answer, skip_special_tokens=True)
        finish = "length" if end is None else "stop"
        cuts = [i for i in (text.find(s) for s in key.stop) if i >= 0]
        if cuts:
            text, finish = text[:min(cuts)], "stop"
        return Completion(
            text=text, finish_reason=finish, model_id=self.source.model_id,
            usage=Usage(prompt_tokens=len(prompt.ids), completion_tokens=len(answer)),
        )


_runtimes: dict[tuple[int, str], Runtime] = {}
_runtimes_lock = threading.Lock()


def runtime_for(settings: TransformersSettings, source: Source) -> Runtime:
    """The process's runtime for these settings; a forked child loads its own."""
    key = (os.getpid(), f"{source}|{settings.model_dump_json()}")
    with _runtimes_lock:
        if key not in _runtimes:
            _runtimes[key] = Runtime(settings, source)
        return _runtimes[key]


class TransformersBackend:
    """A transformers model in this process, micro-batched across threads.

    >>> backend = TransformersBackend(ModelConfig(name="gpu", backend="transformers",
    ...                               path="/models/Qwen2.5-0.5B-Instruct"))
    """

    kind = "transformers"

    def __init__(self, config: ModelConfig):
        self.settings: TransformersSettings = parse_settings(config, TransformersSettings)
        self.source = resolve_source(config.name, self.settings.path)
        self.model_id = self.source.model_id

    @property
    def runtime(self) -> Runtime:
        """Loads the model on first use, in the process that serves."""
        return runtime_for(self.settings, self.source)

    def complete(self, request: CompletionRequest) -> Completion:
        runtime = self.runtime
        key, prompt = runtime.prepare(request)
        try:
            return runtime.batcher.submit(key, prompt)
        except AigcError:
            raise
        except Exception as exc:
            raise BackendError(f"{self.model_id}: {type(exc).__name__}: {exc}") from exc


def register(register):
    register("transformers", TransformersBackend)
