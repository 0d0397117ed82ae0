"""What a model server's error becomes: a bounded, masked message for the job's result (read by
API clients), and the masked detail in the operator's log. Against a real HTTP server."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from aigc_core import Engine
from aigc_core.backends.openai_backend import CLIENT_EXCERPT
from aigc_core.config import load_settings
from aigc_core.retry import RetryPolicy
from aigc_core.testing import plugin_module
from tests.queue.faulty_server import FaultyServer, Raw, Status
from tests.support.demo import ECHO
from tests.support.ports import free_port

KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"
ECHOED = (f"Incorrect API key provided: {KEY}. You can find your API key at "
          "https://platform.openai.com/account/api-keys.")
BACKEND_LOGGER = "aigc_core.backends.openai_backend"


@pytest.fixture
def server() -> Iterator[FaultyServer]:
    with FaultyServer() as running:
        yield running


def with_credentials(url: str) -> str:
    return url.replace("http://", "http://aigc:hunter2@")


def run_job(base_url: str, **backend: object):
    engine = Engine(
        load_settings(enable_plugins=[], models={"default": {
            "backend": "openai", "base_url": base_url, "model": "m", "timeout": 5,
            "structured_output": "none", **backend}}),
        plugins={"demo": plugin_module(ECHO)},
        retry=RetryPolicy(max_attempts=1))
    return engine.run(engine.make_job("demo.echo", {"text": "the client's words"}))


def backend_log(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records
                     if r.name == BACKEND_LOGGER and r.levelno == logging.WARNING)


def test_an_echoed_api_key_reaches_neither_the_client_nor_the_log(server, caplog):
    server.fallback = Status(401, message=ECHOED)
    with caplog.at_level(logging.WARNING, logger=BACKEND_LOGGER):
        result = run_job(with_credentials(server.url))
    assert (result.status, result.error.kind) == ("failed", "model")
    # An authentication failure's body goes to no client: it is where keys are echoed.
    assert result.error.message == "model server returned HTTP 401 (authentication failed)"
    logged = backend_log(caplog)
    assert "answered HTTP 401: Incorrect API key provided: sk-***." in logged
    assert f"http://***@127.0.0.1:{server.port}/v1" in logged
    assert KEY[8:] not in caplog.text and "hunter2" not in caplog.text


def test_a_refused_request_gets_a_short_masked_excerpt(server, caplog):
    server.fallback = Status(400, message=f"bad value api_key={KEY} " + "x" * 1000)
    with caplog.at_level(logging.WARNING, logger=BACKEND_LOGGER):
        message = run_job(server.url).error.message
    prefix = "model server returned HTTP 400 (bad request): bad value api_key=***"
    assert message.startswith(prefix) and message.endswith("…")
    assert len(message) == len("model server returned HTTP 400 (bad request): ") + CLIENT_EXCERPT
    assert KEY[8:] not in message and KEY[8:] not in caplog.text


def test_a_server_error_keeps_its_internals_to_the_log(server, caplog):
    server.fallback = Status(500, message="Traceback: File /srv/vllm/engine.py, line 3")
    with caplog.at_level(logging.WARNING, logger=BACKEND_LOGGER):
        message = run_job(server.url).error.message
    assert message == "model server returned HTTP 500 (internal server error)"
    assert "/srv/vllm/engine.py" in backend_log(caplog)


def test_a_url_with_credentials_is_masked_in_transport_errors(server, caplog):
    closed = with_credentials(f"http://127.0.0.1:{free_port()}/v1")
    with caplog.at_level(logging.WARNING, logger=BACKEND_LOGGER):
        unreachable = run_job(closed, connect_timeout=0.5).error.message
    assert unreachable.startswith("http://***@127.0.0.1:") and "Connection error" in unreachable
    server.fallback = Raw(b"<html>login</html>", "text/html")
    not_chat = run_job(with_credentials(server.url)).error.message
    assert f"http://***@127.0.0.1:{server.port}/v1/chat/completions answered 200" in not_chat
    assert "hunter2" not in unreachable + not_chat + caplog.text
