"""A gateway that Redis refuses (wrong password) or that refuses Redis's certificate says
so, in its readiness and its errors, rather than calling Redis unreachable."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aigc_core.config import load_settings
from aigc_gateway.app import create_app
from tests.queue.conftest import (  # noqa: F401 - fixtures, registered by importing them
    REDIS_PASSWORD,
    TEST_QUEUE_SETTINGS,
    RedisServer,
    locked_redis,
    secure_redis,
    self_signed,
)

from .conftest import auth

pytestmark = pytest.mark.timeout(60)

PASSWORD_ENV = "AIGC_TEST_GATEWAY_REDIS_PW"
WORK = {"generator": "qtest.work", "model": "qtest", "input": {"text": "hello"}}


@pytest.fixture
def queue_config(locked_redis: RedisServer, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                 ) -> dict[str, Any]:
    monkeypatch.setenv(PASSWORD_ENV, "not-it")
    return {"redis_url": locked_redis.url, "password_env": PASSWORD_ENV, **TEST_QUEUE_SETTINGS}


def test_a_refused_password_is_authentication_failed_not_unreachable(
    api: TestClient, caplog: pytest.LogCaptureFixture,
):
    ready = api.get("/readyz")
    assert ready.status_code == 503
    message = ready.json()["error"]["message"]
    assert "authentication failed" in message and "queue.password_env" in message
    assert "unreachable" not in message

    with caplog.at_level(logging.ERROR, logger="aigc_gateway"):
        submitted = api.post("/v1/jobs", json=WORK, headers=auth("alice"))
    assert submitted.status_code == 503
    error = submitted.json()["error"]
    assert error["code"] == "unavailable" and "authentication failed" in error["message"]
    assert "unreachable" not in error["message"]
    # The operator's log names the setting to fix.
    assert any("queue.password_env" in record.getMessage() for record in caplog.records)
    assert "not-it" not in caplog.text and "not-it" not in submitted.text


def test_a_certificate_of_another_ca_makes_the_gateway_unready_at_once(
    secure_redis: RedisServer, models_config: dict[str, Any],  # noqa: F811
    gateway_config: dict[str, Any], enabled_plugins: list[str], plugin_dirs: list[Path],
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
):
    other_ca, _ = self_signed(tmp_path, "other-ca")
    monkeypatch.setenv(PASSWORD_ENV, REDIS_PASSWORD)
    queue = {"redis_url": secure_redis.url, "password_env": PASSWORD_ENV,
             "ssl_ca_certs": str(other_ca), **TEST_QUEUE_SETTINGS}
    mistrusting = load_settings(queue=queue, models=models_config, gateway=gateway_config,
                                enable_plugins=enabled_plugins)
    with TestClient(create_app(mistrusting)) as api:
        started = time.monotonic()
        ready = api.get("/readyz")
        elapsed = time.monotonic() - started
        submitted = api.post("/v1/jobs", json=WORK, headers=auth("alice"))
    assert ready.status_code == 503 and elapsed < 5
    message = ready.json()["error"]["message"]
    assert "certificate" in message and "queue.ssl_ca_certs" in message
    assert submitted.status_code == 503
    assert "certificate" in submitted.json()["error"]["message"]
