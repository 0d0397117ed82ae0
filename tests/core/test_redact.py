"""Credentials are masked wherever aigc shows a URL or a server's text, ``aigc models`` included."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from aigc_core.cli.main import cli
from aigc_core.redact import excerpt, redact

KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c"


@pytest.mark.parametrize(("text", "masked"), [
    ("http://aigc:hunter2@vllm:8000/v1", "http://***@vllm:8000/v1"),
    ("https://user:p@ss@host/v1", "https://***@host/v1"),  # an unencoded "@" in the password
    ("https://host/v1?api_key=abc123&x=1", "https://host/v1?api_key=***&x=1"),
    ("https://host/v1?key=AIzaSyA12345&alt=json", "https://host/v1?key=***&alt=json"),
    (f"Incorrect API key provided: {KEY}.", "Incorrect API key provided: sk-***."),
    ("Authorization: Bearer abcdef123456", "Authorization: Bearer ***"),
    ('{"api_key": "topsecret", "max_tokens": 5}', '{"api_key": "***", "max_tokens": 5}'),
    ("password=hunter2; x-api-key: foo", "password=***; x-api-key: ***"),
    ("hf_abcdefghijklmnop and AKIAABCDEFGHIJKLMNOP", "hf_*** and AKIA***"),
    ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "token ***"),
    ("key 9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8", "key ***"),
])
def test_credentials_are_masked_and_what_they_were_for_is_kept(text, masked):
    assert redact(text) == masked
    assert redact(masked) == masked  # masking twice changes nothing


@pytest.mark.parametrize("text", [
    "http://127.0.0.1:8000/v1",
    "Qwen/Qwen2.5-7B-Instruct",
    "/models/qwen2.5-7b-instruct-q4_k_m.gguf",
    "This model's maximum context length is 2048 tokens; you requested 3000 tokens",
    "missing key: 'messages'",
])
def test_text_without_credentials_is_left_alone(text):
    assert redact(text) == text


def test_an_excerpt_is_one_masked_line_within_its_limit():
    text = f"first line\r\nforged: line\x1b[31m {KEY} " + "x" * 500
    short = excerpt(text, 60)
    assert len(short) == 60 and short.endswith("…")
    assert short.startswith("first line forged: line") and "\n" not in short
    assert "\r" not in short and "\x1b" not in short
    # Masked before it is cut: a cut never leaves part of a key behind.
    assert "4f9a" not in excerpt(f"abc {KEY}", 12)


def test_aigc_models_masks_credentials_in_urls(tmp_path):
    config = tmp_path / "aigc.toml"
    config.write_text(
        'enable_plugins = []\n[models.remote]\nbackend = "openai"\n'
        'base_url = "https://aigc:hunter2@vllm.internal:8000/v1?api_key=abc123"\n'
        'model = "qwen"\n')
    runner = CliRunner()
    listed = runner.invoke(cli, ["--config", str(config), "models"],
                           catch_exceptions=False).output
    assert "base_url=https://***@vllm.internal:8000/v1?api_key=***" in listed
    dumped = runner.invoke(cli, ["--config", str(config), "models", "--json"],
                           catch_exceptions=False).output
    assert json.loads(dumped)["remote"]["base_url"] == (
        "https://***@vllm.internal:8000/v1?api_key=***")
    assert "hunter2" not in listed + dumped and "abc123" not in listed + dumped
