"""The openai backend against a real HTTP server on loopback: what it sends, what it reads back,
and how a reply that is not a chat completion fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from aigc_core.backends.base import CompletionRequest, Message, ModelConfig
from aigc_core.backends.openai_backend import OpenAIBackend
from aigc_core.errors import BackendError
from aigc_core.options import GenerationOptions
from tests.queue.faulty_server import FaultyServer, Raw, Reply, Status

SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}


@pytest.fixture
def server() -> Iterator[FaultyServer]:
    with FaultyServer() as running:
        yield running


def backend(server: FaultyServer, **settings: Any) -> OpenAIBackend:
    return OpenAIBackend(ModelConfig(name="m", backend="openai", base_url=server.url,
                                     model="served-id", timeout=5, **settings))


def request(**options: Any) -> CompletionRequest:
    return CompletionRequest(
        messages=[Message(role="system", content="be brief"), Message(role="user", content="hi")],
        options=GenerationOptions(**options), json_schema=SCHEMA)


def echo_body(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True)


def test_the_request_carries_the_model_messages_set_options_and_schema(server):
    server.fallback = Reply(text=echo_body)
    completion = backend(server).complete(request(temperature=0.2, max_tokens=9, seed=3,
                                                  stop=["\n\n"], max_repairs=2))
    sent = json.loads(completion.text)
    assert sent == {
        "model": "served-id",
        "messages": [{"role": "system", "content": "be brief"},
                     {"role": "user", "content": "hi"}],
        "temperature": 0.2, "max_tokens": 9, "seed": 3, "stop": ["\n\n"],
        "response_format": {"type": "json_schema",
                            "json_schema": {"name": "output", "schema": SCHEMA}},
    }  # max_repairs is the engine's, never sent; unset options are left to the server


@pytest.mark.parametrize(("form", "expected"), [
    ("json_object_schema", {"type": "json_object", "schema": SCHEMA}),
    ("json_object", {"type": "json_object"}),
    ("none", None),
])
def test_each_structured_output_form_sends_its_own_response_format(server, form, expected):
    server.fallback = Reply(text=echo_body)
    sent = json.loads(backend(server, structured_output=form).complete(request()).text)
    assert sent.get("response_format") == expected


def test_the_answer_usage_finish_reason_and_served_model_are_read_back(server):
    server.fallback = Reply(text=lambda body: "one two three")
    completion = backend(server).complete(request())
    assert completion.text == "one two three"
    assert completion.finish_reason == "stop"
    assert completion.model_id == "served-id"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (7, 3)


def test_a_reply_without_usage_or_content_reads_as_empty(server):
    server.fallback = Raw(json.dumps({"choices": [{"message": {"content": None}}]}).encode())
    completion = backend(server).complete(request())
    assert (completion.text, completion.finish_reason, completion.model_id) == ("", None,
                                                                                "served-id")
    assert completion.usage.completion_tokens == 0


@pytest.mark.parametrize(("body", "content_type", "named"), [
    (b'{"choices": []}', "application/json", "choices"),
    (b'{"data": [{"id": "m"}]}', "application/json", "choices"),
    (b'{"choices": [{"text": "legacy completion"}]}', "application/json", "choices.0.message"),
    (b"<html>login</html>", "text/html", "the body"),
])
def test_a_200_that_is_not_a_chat_completion_is_a_clear_non_retryable_error(
        server, body, content_type, named):
    server.fallback = Raw(body, content_type)
    with pytest.raises(BackendError) as caught:
        backend(server).complete(request())
    message = str(caught.value)
    assert f"{server.url}/chat/completions answered 200" in message
    assert named in message and "base_url" in message
    assert not caught.value.retryable


def test_status_errors_keep_their_retry_after_and_retryability(server):
    server.script(Status(429, retry_after=1.5), Status(400))
    with pytest.raises(BackendError) as limited:
        backend(server).complete(request())
    assert (limited.value.retryable, limited.value.retry_after) == (True, 1.5)
    with pytest.raises(BackendError) as refused:
        backend(server).complete(request())
    assert "HTTP 400" in str(refused.value) and not refused.value.retryable
