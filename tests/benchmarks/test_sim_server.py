"""The simulated model server behind the benchmarks keeps the semantics they rely on.

Not a timed test: it checks answers and counters, never speed (the server runs at a tenth of
its calibrated durations so the whole module takes a few seconds).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest

from benchmarks.schema_fill import instance
from benchmarks.sim_server import SimConfig, SimServer, serve_in_thread

FAST = SimConfig(time_scale=0.1)


@pytest.fixture
def sim() -> Iterator[tuple[openai.OpenAI, SimServer, str]]:
    with serve_in_thread(FAST) as (url, server):
        client = openai.OpenAI(base_url=url, api_key="not-needed", max_retries=0, timeout=30)
        yield client, server, url
        client.close()


def stats(url: str) -> dict:
    return httpx.get(url.removesuffix("/v1") + "/stats", timeout=10).json()


@pytest.mark.parametrize("max_tokens", [1, 7, 40])
def test_every_answer_is_exactly_max_tokens_with_usage(sim, max_tokens: int) -> None:
    client, _, _ = sim
    prompt = "Write about rivers. " * 10
    response = client.chat.completions.create(
        model="sim", messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens)
    assert response.usage is not None
    assert response.usage.completion_tokens == max_tokens
    assert response.usage.prompt_tokens == len(prompt) // 4 + 4
    assert response.usage.total_tokens == response.usage.prompt_tokens + max_tokens
    assert len(response.choices[0].message.content.split()) == max_tokens


def test_streaming_sends_one_chunk_per_token_and_usage(sim) -> None:
    client, _, _ = sim
    chunks = list(client.chat.completions.create(
        model="sim", messages=[{"role": "user", "content": "hi"}], max_tokens=6, stream=True,
        stream_options={"include_usage": True}))
    pieces = [c.choices[0].delta.content for c in chunks
              if c.choices and c.choices[0].delta.content]
    usage = [c.usage for c in chunks if c.usage is not None]
    assert len(pieces) == 6
    assert [u.completion_tokens for u in usage] == [6]
    assert chunks[-2].choices[0].finish_reason == "length"


def test_response_format_answers_an_instance_of_the_schema(sim) -> None:
    client, _, _ = sim
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": 30},
            "items": {"type": "array", "minItems": 3, "maxItems": 3,
                      "items": {"$ref": "#/$defs/Item"}},
        },
        "$defs": {"Item": {"type": "object", "properties": {
            "name": {"type": "string", "maxLength": 12}, "kind": {"enum": ["a", "b"]}}}},
    }
    response = client.chat.completions.create(
        model="sim", messages=[{"role": "user", "content": "json"}], max_tokens=20,
        response_format={"type": "json_schema", "json_schema": {"name": "o", "schema": schema}})
    answer = json.loads(response.choices[0].message.content)
    assert response.usage is not None and response.usage.completion_tokens == 20
    assert len(answer["title"]) <= 30
    assert len(answer["items"]) == 3
    names = [item["name"] for item in answer["items"]]
    assert len(set(names)) == 3 and all(0 < len(name) <= 12 for name in names)
    assert {item["kind"] for item in answer["items"]} == {"a"}


def test_schema_fill_respects_lengths_and_counts() -> None:
    schema = {"type": "array", "minItems": 2, "items": {
        "type": "string", "minLength": 5, "maxLength": 8}}
    assert [5 <= len(text) <= 8 for text in instance(schema)] == [True, True]
    assert instance({"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 3}]}) == 3


def test_requests_beyond_max_batch_wait_and_are_counted() -> None:
    config = FAST.model_copy(update={"max_batch": 4})
    with serve_in_thread(config) as (url, _):
        client = openai.OpenAI(base_url=url, api_key="not-needed", max_retries=0, timeout=30)

        def call(_: int) -> int:
            response = client.chat.completions.create(
                model="sim", messages=[{"role": "user", "content": "x"}], max_tokens=20)
            return response.usage.completion_tokens if response.usage else 0

        with ThreadPoolExecutor(10) as pool:
            assert list(pool.map(call, range(10))) == [20] * 10
        counted = stats(url)
        client.close()
    assert counted["max_running"] == 4
    assert counted["max_waiting"] >= 1
    assert counted["max_in_flight"] > 4
    assert counted["completion_tokens"] == 200
    assert counted["running"] == counted["waiting"] == counted["in_flight"] == 0
    assert 1.0 < counted["mean_batch"] <= 4.0


def test_injected_faults_answer_429_with_retry_after_and_503(sim) -> None:
    _, _, url = sim
    httpx.post(url.removesuffix("/v1") + "/config", json={"rate_429": 1.0}, timeout=10)
    body = {"model": "sim", "messages": [{"role": "user", "content": "x"}], "max_tokens": 1}
    limited = httpx.post(f"{url}/chat/completions", json=body, timeout=10)
    assert limited.status_code == 429
    assert float(limited.headers["retry-after"]) == pytest.approx(0.1)  # 1 s, time-scaled
    httpx.post(url.removesuffix("/v1") + "/config",
               json={"rate_429": 0.0, "rate_503": 1.0}, timeout=10)
    assert httpx.post(f"{url}/chat/completions", json=body, timeout=10).status_code == 503
    assert stats(url)["by_status"] == {"429": 1, "503": 1}


def test_invalid_requests_are_refused(sim) -> None:
    _, _, url = sim
    no_messages = httpx.post(f"{url}/chat/completions", json={"model": "sim", "messages": []},
                             timeout=10)
    assert no_messages.status_code == 400
    assert httpx.get(f"{url}/nowhere", timeout=10).status_code == 404
