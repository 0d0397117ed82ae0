"""Throughput of aigc's micro-batched jobs against a raw batched ``generate`` loop.

Both sides use the same model object on the same device: a model with random weights built from
a real model's shape (``--shape``), whose generation config fixes every answer at exactly
``--new-tokens`` tokens, so both sides do the same work. For each batch size B:

- raw: one call of ``model.generate`` on B left-padded prompts;
- aigc: B jobs sent at once from B threads through ``Engine.run`` (template rendering,
  validation, provenance included) to the transformers backend with ``max_batch_size = B``,
  as a worker started with ``--pool threads -c B`` runs them.

Each is repeated ``--rounds`` times, interleaved, after a warm-up; the median round counts. It
prints a table and writes it as JSON; ``ratio`` = aigc tokens/s / raw tokens/s; job p50/p95 =
an aigc job's seconds from ``Engine.run`` to its result; peak GiB = the most GPU memory
allocated during a size's timed rounds (weights, KV caches, activations; CUDA only).

    python benchmarks/microbatch.py --shape tiny --out benchmarks/results/microbatch-cpu.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import statistics
import tempfile
import time
import types
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aigc_core import Engine, Generator, Job, hookimpl
from aigc_core.backends.microbatch import BatchStats
from aigc_core.backends.transformers_backend import Runtime, TransformersBackend
from aigc_core.config import load_settings
from aigc_core.gates import GATES
from aigc_core.options import GenerationOptions

#: Model shapes: (transformers model type, config fields). Weights are random.
SHAPES: dict[str, tuple[str, dict[str, Any]]] = {
    "tiny": ("llama", {
        "vocab_size": 1024, "hidden_size": 64, "intermediate_size": 128,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
        "max_position_embeddings": 2048,
    }),
    "smollm2-135m": ("llama", {
        "vocab_size": 49152, "hidden_size": 576, "intermediate_size": 1536,
        "num_hidden_layers": 30, "num_attention_heads": 9, "num_key_value_heads": 3,
        "max_position_embeddings": 8192, "rope_theta": 100000.0, "tie_word_embeddings": True,
    }),
    "qwen2.5-0.5b": ("qwen2", {
        "vocab_size": 151936, "hidden_size": 896, "intermediate_size": 4864,
        "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
        "max_position_embeddings": 32768, "rope_theta": 1000000.0, "tie_word_embeddings": True,
    }),
}

SPECIAL_TOKENS = ("<|pad|>", "<|im_start|>", "<|im_end|>")
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def byte_level_tokenizer(vocab_size: int) -> Any:
    """A byte-level BPE tokenizer with exactly ``vocab_size`` tokens and a ChatML template.

    Every token decodes to text (the merges are byte pairs), so a random model's answers are
    never empty, and every string can be encoded (as bytes), JSON included.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *alphabet])}
    merges: list[tuple[str, str]] = []
    pairs = ((a, b) for a in alphabet for b in alphabet)
    while len(vocab) < vocab_size:
        pair = next(pairs)
        merges.append(pair)
        vocab["".join(pair)] = len(vocab)
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tokenizer.add_special_tokens(list(SPECIAL_TOKENS))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|im_end|>",
                                   pad_token="<|pad|>", chat_template=CHAT_TEMPLATE)


def write_random_model(directory: Path, model_type: str, config: dict[str, Any], *,
                       seed: int = 0, min_new_tokens: int | None = None) -> Path:
    """Save a random-weight causal LM and its tokenizer as a local model directory.

    ``min_new_tokens`` goes into the saved generation config: every answer then has at least
    that many tokens, whoever calls ``generate``.
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    tokenizer = byte_level_tokenizer(config["vocab_size"])
    model_config = AutoConfig.for_model(
        model_type, **config, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=None)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(model_config)
    if min_new_tokens is not None:
        model.generation_config.min_new_tokens = min_new_tokens
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


# -- the aigc side: jobs of a plain text generator ----------------------------------------------
class BenchInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, description="The user message, sent as it is.")


BENCH_GENERATOR = Generator(
    name="bench.complete",
    description="Sends the prompt as the user message; one model call per job.",
    input_model=BenchInput,
    prompt="bench/prompt.j2",
    template_sources={"bench/prompt.j2": "{{ prompt }}"},
    options=GenerationOptions(temperature=0.0, max_repairs=0),
)


class BenchAnswer(BaseModel):
    # Longer than any answer's tokens can write (at most two bytes a token), so that the
    # grammar never lets the answer end before the generation config's min_new_tokens does.
    text: str = Field(min_length=1024, description="The schema only makes decoding constrained.")


#: The same job with a JSON schema, which the backend enforces token by token (xgrammar).
BENCH_JSON = dataclasses.replace(
    BENCH_GENERATOR, name="bench.json", output_model=BenchAnswer,
    description="As bench.complete, its answer constrained to a JSON object.")


def bench_plugin() -> types.ModuleType:
    module = types.ModuleType("aigc_bench")

    @hookimpl
    def register_generators(register):
        register(BENCH_GENERATOR)
        register(BENCH_JSON)

    module.register_generators = register_generators  # type: ignore[attr-defined]
    return module


def make_engine(model_dir: Path, new_tokens: int, window_ms: float, device: str) -> Engine:
    settings = load_settings(
        models={"bench": {"backend": "transformers", "path": str(model_dir), "device": device,
                          "batch_window_ms": window_ms, "options": {"max_tokens": new_tokens}}},
        # Labelling, the ledger and the content gates are not what is measured (the gates would
        # fail a random model's bytes; the GPU machine's image has no SQLAlchemy): a worker that
        # keeps them pays the same with or without batching (benchmark 8 times the gates).
        enable_plugins=[], disable_plugins=["labels"], ledger={"log": False},
        gates={"off": list(GATES)},
    )
    engine = Engine(settings, plugins={"aigc_bench": bench_plugin()})
    return engine


def prompts(count: int) -> list[str]:
    """Distinct prompts of different lengths, so batches need padding as real ones do."""
    return [f"Write item {i} of the list about tides" + " and the moon" * (i % 7)
            for i in range(count)]


Round = Callable[[], tuple[int, float]]


def aigc_round(engine: Engine, pool: ThreadPoolExecutor, texts: list[str],
               latencies: list[float], generator: str = "bench.complete") -> Round:
    """One job per prompt, all at once from a thread each; returns (tokens, seconds) and adds
    each job's seconds, submit to result, to ``latencies``. A ``bench.json`` answer is cut
    off mid-string at the token limit (``BenchAnswer``), so it fails validation: its tokens
    were decoded under the grammar all the same, which is what is measured."""

    def job(text: str) -> int:
        started = time.perf_counter()
        result = engine.run(Job(generator=generator, input={"prompt": text}, model="bench"))
        failed = result.error.kind if result.error else None
        if not result.ok and (generator == "bench.complete" or failed != "validation"):
            raise RuntimeError(f"job failed: {result.error} {result.problems}")
        latencies.append(time.perf_counter() - started)
        return result.provenance.usage.completion_tokens

    def run() -> tuple[int, float]:
        started = time.perf_counter()
        tokens = sum(pool.map(job, texts))
        return tokens, time.perf_counter() - started

    return run


def raw_round(runtime: Runtime, texts: list[str], new_tokens: int) -> Round:
    """The baseline: one batched ``generate`` call on the same model object."""
    torch, tokenizer, model = runtime.torch, runtime.tokenizer, runtime.model
    chats = [tokenizer.apply_chat_template([{"role": "user", "content": t}], tokenize=False,
                                           add_generation_prompt=True) for t in texts]
    tokenizer.padding_side = "left"
    batch = tokenizer(chats, add_special_tokens=False, padding=True,
                      return_tensors="pt").to(model.device)

    def run() -> tuple[int, float]:
        started = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(**batch, max_new_tokens=new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.eos_token_id)
        tokens = (out.shape[1] - batch["input_ids"].shape[1]) * len(texts)
        return tokens, time.perf_counter() - started

    return run


def rate(samples: list[tuple[int, float]]) -> float:
    """Tokens per second of the median round (robust to a neighbour stealing the CPU)."""
    tokens, seconds = sorted(samples, key=lambda sample: sample[1])[len(samples) // 2]
    return tokens / seconds


def reset_peak_memory(runtime: Runtime) -> None:
    if runtime.model.device.type == "cuda":
        runtime.torch.cuda.reset_peak_memory_stats(runtime.model.device)


def peak_memory(runtime: Runtime) -> float | None:
    """GiB of GPU memory the model's device held at most since ``reset_peak_memory`` (None
    on a CPU): weights, KV caches and activations of every side timed."""
    if runtime.model.device.type != "cuda":
        return None
    return round(runtime.torch.cuda.max_memory_allocated(runtime.model.device) / 2**30, 2)


def device_name(runtime: Runtime) -> str:
    torch = runtime.torch
    if runtime.model.device.type == "cuda":
        return torch.cuda.get_device_name(runtime.model.device)
    return f"CPU {platform.processor() or platform.machine()} ({torch.get_num_threads()} threads)"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--batches", default="1,2,4,8,16,32,64",
                        help="Comma-separated batch sizes.")
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="Batches timed per size.")
    parser.add_argument("--window-ms", type=float, default=20.0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", type=Path, default=Path("microbatch.json"))
    parser.add_argument("--structured", action="store_true",
                        help="Also time the jobs with a JSON schema (xgrammar): json tok/s "
                             "and json/free, the cost of constrained decoding per token.")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.batches.split(",")]
    model_type, config = SHAPES[args.shape]

    with tempfile.TemporaryDirectory(prefix="aigc-bench-") as tmp:
        model_dir = write_random_model(Path(tmp), model_type, config,
                                       min_new_tokens=args.new_tokens)
        engine = make_engine(model_dir, args.new_tokens, args.window_ms, args.device)
        backend = engine.backend("bench")
        assert isinstance(backend, TransformersBackend)
        runtime = backend.runtime
        rows = []
        print(HEADER + (f" {'json tok/s':>10} {'json/free':>9}" if args.structured else ""))
        for size in sizes:
            texts = prompts(size)
            runtime.batcher.max_batch = size
            latencies: list[float] = []
            with ThreadPoolExecutor(max_workers=size) as pool:
                raw, aigc = raw_round(runtime, texts, args.new_tokens), aigc_round(
                    engine, pool, texts, latencies)
                constrained = aigc_round(engine, pool, texts, [], "bench.json") \
                    if args.structured else None
                raw(), aigc()  # warm-up: kernels, allocator, threads, grammars
                if constrained:
                    constrained()
                runtime.batcher.stats = BatchStats()
                latencies.clear()
                reset_peak_memory(runtime)
                # Interleaved, so every side sees the same machine.
                samples = [(raw(), aigc(), constrained() if constrained else None)
                           for _ in range(args.rounds)]
            raw_rate = rate([r for r, _, _ in samples])
            aigc_rate = rate([a for _, a, _ in samples])
            rows.append({
                "batch": size, "raw_tokens_per_s": round(raw_rate, 1),
                "aigc_tokens_per_s": round(aigc_rate, 1), "ratio": round(aigc_rate / raw_rate, 3),
                "mean_batch": round(runtime.batcher.stats.mean_size, 2),
                "job_p50_ms": round(1000 * statistics.median(latencies), 1),
                "job_p95_ms": round(1000 * statistics.quantiles(latencies, n=20)[-1], 1)
                if len(latencies) > 1 else round(1000 * latencies[0], 1),
                "peak_gpu_gib": peak_memory(runtime),
            })
            if args.structured:
                json_rate = rate([j for _, _, j in samples if j])
                rows[-1].update(json_tokens_per_s=round(json_rate, 1),
                                json_vs_free=round(json_rate / aigc_rate, 3))
            print_row(rows[-1])
        report = {"device": device_name(runtime), "shape": args.shape,
                  "new_tokens": args.new_tokens, "rounds": args.rounds,
                  "window_ms": args.window_ms, "dtype": str(runtime.model.dtype), "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{report['device']}, shape {args.shape}, {args.new_tokens} new tokens -> {args.out}")
    return report


HEADER = (f"{'batch':>5} {'raw tok/s':>10} {'aigc tok/s':>10} {'ratio':>6} {'mean batch':>10} "
          f"{'job p50 ms':>10} {'job p95 ms':>10} {'peak GiB':>8}")


def print_row(row: dict[str, Any]) -> None:
    print(f"{row['batch']:>5} {row['raw_tokens_per_s']:>10} {row['aigc_tokens_per_s']:>10} "
          f"{row['ratio']:>6} {row['mean_batch']:>10} {row['job_p50_ms']:>10} "
          f"{row['job_p95_ms']:>10} {row['peak_gpu_gib'] or '-':>8}"
          + (f" {row['json_tokens_per_s']:>10} {row['json_vs_free']:>9}"
             if "json_vs_free" in row else ""), flush=True)


if __name__ == "__main__":
    main()
