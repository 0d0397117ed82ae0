"""The transformers backend and its micro-batcher.

The batcher is tested with a recording ``run_batch`` (no torch needed). The backend runs on a
tiny Llama-shaped model with random weights and a byte-level tokenizer, built in a temporary
directory: fast, and exactly reproducible under greedy decoding. One slow test loads the real
SmolLM2 weights from the embedded GGUF file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from aigc_core import Engine, Generator, Job
from aigc_core.backends.base import Completion, CompletionRequest, Message, ModelConfig
from aigc_core.backends.microbatch import BatcherClosed, MicroBatcher
from aigc_core.backends.transformers_backend import TransformersBackend, batch_key
from aigc_core.config import load_settings
from aigc_core.errors import BackendError, BackendUnavailable, ConfigError
from aigc_core.options import GenerationOptions
from aigc_core.testing import plugin_module

ROOT = Path(__file__).resolve().parents[2]

# A Llama-shaped model small enough to build and run in well under a second.
TINY_LLAMA: dict[str, Any] = {
    "vocab_size": 512, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 512,
}

GREEDY = GenerationOptions(temperature=0.0, max_tokens=12)


# -- the micro-batcher ----------------------------------------------------------------------
class Recorder:
    """A ``run_batch`` that records its batches; ``answer(item)`` may raise or return."""

    def __init__(self, answer: Callable[[str], object] = str.upper, delay: float = 0.0):
        self.batches: list[tuple[object, list[str]]] = []
        self.answer = answer
        self.delay = delay

    def __call__(self, key: object, items: list[str]) -> list[object]:
        self.batches.append((key, list(items)))
        time.sleep(self.delay)
        return [self.answer(item) for item in items]


def test_requests_are_grouped_by_key_and_each_gets_its_own_answer():
    recorder = Recorder()
    batcher = MicroBatcher(recorder, window_s=0.2, max_batch=8)
    futures = {(key, item): batcher.submit_async(key, item)
               for key, item in [("a", "x"), ("b", "y"), ("a", "z"), ("b", "w"), ("a", "v")]}
    assert {k: f.result(5) for k, f in futures.items()} == {
        ("a", "x"): "X", ("b", "y"): "Y", ("a", "z"): "Z", ("b", "w"): "W", ("a", "v"): "V"}
    assert sorted(recorder.batches) == [("a", ["x", "z", "v"]), ("b", ["y", "w"])]


def test_a_full_group_runs_at_once_and_the_overflow_forms_the_next_batch():
    recorder = Recorder()
    batcher = MicroBatcher(recorder, window_s=0.3, max_batch=3)
    started = time.monotonic()
    futures = [batcher.submit_async("k", str(i)) for i in range(7)]
    futures[2].result(5)
    assert time.monotonic() - started < 0.25  # full: the window was not waited out
    assert [f.result(5) for f in futures] == [str(i) for i in range(7)]
    assert [len(items) for _, items in recorder.batches] == [3, 3, 1]


def test_a_lone_request_waits_one_window_then_runs_alone():
    recorder = Recorder()
    batcher = MicroBatcher(recorder, window_s=0.15, max_batch=8)
    started = time.monotonic()
    assert batcher.submit("k", "only") == "ONLY"
    assert 0.15 <= time.monotonic() - started < 2.0
    assert recorder.batches == [("k", ["only"])]


def test_requests_arriving_while_a_batch_runs_share_the_next_batch():
    recorder = Recorder(delay=0.4)
    batcher = MicroBatcher(recorder, window_s=0.05, max_batch=8)
    first = batcher.submit_async("k", "a")
    time.sleep(0.2)  # "a" is running now
    later = [batcher.submit_async("k", item) for item in ("b", "c")]
    assert [f.result(5) for f in [first, *later]] == ["A", "B", "C"]
    assert [items for _, items in recorder.batches] == [["a"], ["b", "c"]]


def trickle(batcher: MicroBatcher, count: int, every: float) -> list:
    futures = []
    for i in range(count):
        futures.append(batcher.submit_async("k", str(i)))
        time.sleep(every)
    return [f.result(5) for f in futures]


def test_a_batch_stays_open_while_requests_keep_joining_it_until_it_is_full():
    recorder = Recorder()
    batcher = MicroBatcher(recorder, window_s=0.25, max_batch=5, max_wait_s=10)
    trickle(batcher, 5, every=0.05)  # each arrives well within the window of the one before
    assert [len(items) for _, items in recorder.batches] == [5]


def test_a_slow_trickle_is_sent_off_after_max_wait():
    recorder = Recorder()
    batcher = MicroBatcher(recorder, window_s=0.25, max_batch=100, max_wait_s=0.5)
    trickle(batcher, 20, every=0.05)  # would keep the batch open for a second
    sizes = [len(items) for _, items in recorder.batches]
    assert len(sizes) >= 2 and sizes[0] < 20, sizes


def test_an_error_answered_for_one_item_fails_only_that_item():
    def answer(item: str) -> object:
        return ValueError("bad item") if item == "bad" else item.upper()

    batcher = MicroBatcher(Recorder(answer), window_s=0.1, max_batch=8)
    futures = [batcher.submit_async("k", item) for item in ("ok1", "bad", "ok2")]
    assert futures[0].result(5) == "OK1" and futures[2].result(5) == "OK2"
    with pytest.raises(ValueError, match="bad item"):
        futures[1].result(5)
    assert batcher.stats.batches == 1 and batcher.stats.fallbacks == 0


def test_a_batch_that_raises_is_split_until_only_the_bad_request_fails():
    def poisoned(key: object, items: list[str]) -> list[str]:
        if "bad" in items:
            raise RuntimeError("the batch blew up")
        return [item.upper() for item in items]

    batcher = MicroBatcher(poisoned, window_s=0.1, max_batch=8)
    futures = [batcher.submit_async("k", item) for item in ("ok1", "bad", "ok2")]
    assert futures[0].result(5) == "OK1" and futures[2].result(5) == "OK2"
    with pytest.raises(RuntimeError, match="blew up"):
        futures[1].result(5)
    assert batcher.stats.fallbacks == 2  # [ok1, bad, ok2] -> [ok1] + [bad, ok2] -> [bad] + [ok2]


def test_a_request_cancelled_before_its_batch_is_left_out():
    recorder = Recorder()
    batcher = MicroBatcher(recorder, window_s=0.2, max_batch=8)
    kept, dropped = batcher.submit_async("k", "kept"), batcher.submit_async("k", "dropped")
    assert dropped.cancel()
    assert kept.result(5) == "KEPT"
    assert recorder.batches == [("k", ["kept"])]


def test_close_fails_queued_requests_and_refuses_new_ones():
    batcher = MicroBatcher(Recorder(), window_s=30, max_batch=8)
    queued = batcher.submit_async("k", "x")
    batcher.close()
    assert isinstance(queued.exception(5), BatcherClosed)
    with pytest.raises(BatcherClosed):
        batcher.submit("k", "y")


def test_greedy_requests_share_a_batch_whatever_their_seed_but_sampled_ones_do_not():
    def key(**options: Any):
        return batch_key(CompletionRequest(messages=[], options=GenerationOptions(**options)),
                         constrained=False)

    assert key(temperature=0, seed=1, top_p=0.5) == key(temperature=0, seed=2)
    assert key(temperature=0.7, seed=1) != key(temperature=0.7, seed=2)
    assert key(temperature=0, max_tokens=10) != key(temperature=0, max_tokens=11)
    assert key(temperature=0, stop=["\n"]) != key(temperature=0)


# -- settings and laziness (no model loaded) --------------------------------------------------
def config(path: Path | str, **settings: Any) -> ModelConfig:
    return ModelConfig(name="tiny", backend="transformers", path=str(path), **settings)


def test_a_model_not_on_disk_is_a_config_error_that_says_nothing_is_downloaded(tmp_path):
    with pytest.raises(ConfigError, match=r"models\.tiny\.path: no model at .*never downloads"):
        TransformersBackend(config("HuggingFaceTB/SmolLM2-135M-Instruct"))
    with pytest.raises(ConfigError, match=r"config\.json"):
        TransformersBackend(config(tmp_path))  # a directory, but not a model


def test_unknown_or_invalid_settings_name_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"models\.tiny\.batch_size"):
        TransformersBackend(config(tmp_path, batch_size=8))
    with pytest.raises(ConfigError, match=r"models\.tiny\.device"):
        TransformersBackend(config(tmp_path, device="gpu0"))
    with pytest.raises(ConfigError, match="batch_max_wait_ms must be at least batch_window_ms"):
        TransformersBackend(config(tmp_path, batch_window_ms=50, batch_max_wait_ms=10))


def test_importing_and_creating_the_backend_loads_neither_torch_nor_cuda(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    code = (
        "import sys\n"
        "from aigc_core.backends.base import ModelConfig\n"
        "from aigc_core.backends.transformers_backend import TransformersBackend\n"
        f"TransformersBackend(ModelConfig(name='m', backend='transformers',\n"
        f"                                path={str(tmp_path)!r}))\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_without_torch_the_first_call_says_how_to_install_it(tmp_path, monkeypatch):
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    backend = TransformersBackend(config(tmp_path))
    with pytest.raises(BackendUnavailable, match=r"pip install 'aigc\[gpu\]'"):
        backend.complete(ask("hello"))


# -- the backend on a tiny random model ---------------------------------------------------
@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from benchmarks.microbatch import write_random_model

    return write_random_model(tmp_path_factory.mktemp("tiny-llama"), "llama", TINY_LLAMA)


def ask(text: str, options: GenerationOptions = GREEDY, schema: dict | None = None,
        system: str | None = None) -> CompletionRequest:
    messages = [Message(role="system", content=system)] if system else []
    return CompletionRequest(messages=[*messages, Message(role="user", content=text)],
                             options=options, json_schema=schema)


def concurrently(backend: TransformersBackend,
                 requests: list[CompletionRequest]) -> list[Completion | Exception]:
    """Send all requests at once, from one thread each; errors are returned, not raised."""
    def call(request: CompletionRequest) -> Completion | Exception:
        try:
            return backend.complete(request)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(call, requests))


PROMPTS = ["hi", "Write a headline about tides", "a b c d e f g h i j k l m n o p",
           "Solar power", "The quick brown fox jumps over the lazy dog, twice over.", "?"]


def test_batched_and_one_by_one_greedy_generation_give_identical_outputs(tiny_model):
    batched = TransformersBackend(config(tiny_model, batch_window_ms=500, max_batch_size=8))
    together = concurrently(batched, [ask(p) for p in PROMPTS])
    assert batched.runtime.batcher.stats.largest > 1, "the requests were not batched"

    alone = TransformersBackend(config(tiny_model, batch_window_ms=0, max_batch_size=1))
    one_by_one = [alone.complete(ask(p)) for p in PROMPTS]
    assert alone.runtime.batcher.stats.largest == 1
    assert [(c.text, c.usage, c.finish_reason) for c in together] == [
        (c.text, c.usage, c.finish_reason) for c in one_by_one]
    assert all(0 < c.usage.completion_tokens <= GREEDY.max_tokens for c in together)


def test_the_prompt_is_rendered_with_the_tokenizers_chat_template(tiny_model):
    backend = TransformersBackend(config(tiny_model, batch_window_ms=0))
    completion = backend.complete(ask("Hello there", system="Be brief."))
    chatml = ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello there<|im_end|>\n"
              "<|im_start|>assistant\n")
    expected = backend.runtime.tokenizer(chatml, add_special_tokens=False)["input_ids"]
    assert completion.usage.prompt_tokens == len(expected)
    assert completion.model_id == tiny_model.name


def test_a_prompt_too_long_for_the_context_fails_alone(tiny_model):
    backend = TransformersBackend(config(tiny_model, batch_window_ms=300, max_context=64))
    answers = concurrently(backend, [ask("short one"), ask("word " * 80), ask("short two")])
    assert isinstance(answers[1], BackendError)
    assert "context of 64 tokens" in str(answers[1])
    assert all(isinstance(a, Completion) and a.text for a in (answers[0], answers[2]))


def test_options_that_cannot_share_a_batch_get_their_own_batches(tiny_model):
    backend = TransformersBackend(config(tiny_model, batch_window_ms=1000))
    short, long_ = GREEDY.merged(GenerationOptions(max_tokens=3)), GREEDY
    answers = concurrently(backend, [ask("a", short), ask("b", long_), ask("c", short),
                                     ask("d", long_)])
    stats = backend.runtime.batcher.stats
    assert (stats.batches, stats.largest) == (2, 2)
    assert [a.usage.completion_tokens <= o.max_tokens
            for a, o in zip(answers, [short, long_, short, long_], strict=True)] == [True] * 4


def test_a_stop_string_ends_the_answer_before_it(tiny_model):
    backend = TransformersBackend(config(tiny_model, batch_window_ms=0))
    full = backend.complete(ask("Write a headline about tides")).text
    stop = full[4:6]
    assert stop.strip(), f"pick a visible stop string from {full!r}"
    cut = backend.complete(ask("Write a headline about tides",
                               GREEDY.merged(GenerationOptions(stop=[stop]))))
    assert cut.text == full[:full.index(stop)]
    assert cut.finish_reason == "stop"


COLOR = {"type": "object", "additionalProperties": False, "required": ["color"],
         "properties": {"color": {"type": "string", "enum": ["red", "green", "blue"]}}}
DIGIT = {"type": "object", "additionalProperties": False, "required": ["digit"],
         "properties": {"digit": {"type": "integer", "minimum": 1, "maximum": 9}}}


def test_json_schemas_are_enforced_per_request_within_one_batch(tiny_model):
    pytest.importorskip("xgrammar")
    # A full batch leaves at once: the long window only guards against a slow thread start.
    backend = TransformersBackend(config(tiny_model, batch_window_ms=2000, max_batch_size=2))
    options = GenerationOptions(temperature=0.0, max_tokens=40)
    color, digit = concurrently(backend, [ask("Pick a color", options, COLOR),
                                          ask("Pick a digit", options, DIGIT)])
    assert backend.runtime.batcher.stats.largest == 2  # two schemas, one generate call
    assert json.loads(color.text)["color"] in COLOR["properties"]["color"]["enum"]
    assert 1 <= json.loads(digit.text)["digit"] <= 9


class Verdict(BaseModel):
    answer: Literal["yes", "no"]


def test_a_structured_job_runs_through_the_engine_with_constrained_decoding(tiny_model):
    pytest.importorskip("xgrammar")
    verdict = Generator(name="demo.verdict", description="yes or no", input_model=Verdict,
                        output_model=Verdict, prompt="demo/verdict.j2",
                        template_sources={"demo/verdict.j2": "Say {{ answer }}."},
                        options=GenerationOptions(temperature=0.0, max_tokens=30))
    settings = load_settings(enable_plugins=[], models={
        "default": {"backend": "transformers", "path": str(tiny_model), "batch_window_ms": 0}})
    engine = Engine(settings, plugins={"test_plugin": plugin_module(verdict, backend=False)})
    result = engine.run(Job(generator="demo.verdict", input={"answer": "yes"}))
    assert result.ok, result.problems
    assert result.output["answer"] in ("yes", "no")
    assert result.provenance.backend == "transformers"
    assert result.provenance.attempts == 1  # the grammar made the first answer valid


def test_the_backend_serves_many_threads_from_one_model(tiny_model):
    backend = TransformersBackend(config(tiny_model, batch_window_ms=20, max_batch_size=4))
    answers = concurrently(backend, [ask(f"item {i}") for i in range(10)])
    assert all(isinstance(a, Completion) and a.text for a in answers)
    again = TransformersBackend(config(tiny_model, batch_window_ms=20, max_batch_size=4))
    assert again.runtime is backend.runtime  # loaded once per process
    assert backend.runtime.batcher.stats.largest <= 4


# -- the real embedded model ------------------------------------------------------------------
def smollm2() -> TransformersBackend:
    """SmolLM2 read from the embedded GGUF file (loaded once, shared by the tests below)."""
    pytest.importorskip("torch")
    pytest.importorskip("gguf")
    return TransformersBackend(ModelConfig(name="smollm2", backend="transformers",
                                           batch_window_ms=0))


SHORT_GREEDY = GenerationOptions(temperature=0.0, max_tokens=8)
CITY = {"type": "object", "additionalProperties": False, "required": ["city"],
        "properties": {"city": {"type": "string", "minLength": 1, "maxLength": 20}}}


@pytest.mark.e2e
@pytest.mark.slow
def test_smollm2_from_the_embedded_gguf_file_answers_greedily():
    completion = smollm2().complete(
        ask("What is the capital of France? Answer in one word.", SHORT_GREEDY))
    assert "Paris" in completion.text
    assert completion.model_id == "SmolLM2-135M-Instruct"
    assert 0 < completion.usage.completion_tokens <= SHORT_GREEDY.max_tokens


@pytest.mark.e2e
@pytest.mark.slow
def test_smollm2_answers_in_the_requested_json_schema():
    pytest.importorskip("xgrammar")
    completion = smollm2().complete(
        ask("What is the capital of France? Answer in JSON.",
            GenerationOptions(temperature=0.0, max_tokens=32), CITY))
    assert completion.finish_reason == "stop"
    assert 1 <= len(json.loads(completion.text)["city"]) <= 20


def test_the_microbatch_benchmark_reports_latency_and_constrained_decoding(tmp_path: Path):
    """What benchmarks/gpu_round.sh runs on a GPU, on the smallest model and batches here."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("xgrammar")
    from benchmarks import microbatch

    report = microbatch.main(["--shape", "tiny", "--device", "cpu", "--batches", "1,3",
                              "--new-tokens", "4", "--rounds", "1", "--structured",
                              "--out", str(tmp_path / "microbatch.json")])
    assert [row["batch"] for row in report["rows"]] == [1, 3]
    for row in report["rows"]:
        assert row["job_p95_ms"] >= row["job_p50_ms"] > 0
        assert row["peak_gpu_gib"] is None  # a CPU
        assert row["json_tokens_per_s"] > 0 and row["json_vs_free"] > 0
    assert json.loads((tmp_path / "microbatch.json").read_text())["rows"] == report["rows"]
