"""What every request gets: body limits, JSON errors, health, metrics, the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aigc_core.config import Settings, load_settings
from aigc_gateway.app import create_app
from aigc_gateway.openapi import document
from tests.support.ports import free_port

from .conftest import ROOT, auth

pytestmark = pytest.mark.timeout(60)

WORK = {"generator": "qtest.work", "model": "qtest", "input": {"text": "hello"}}
LIMIT = 2048


@pytest.fixture
def gateway_config(gateway_config: dict[str, Any]) -> dict[str, Any]:
    return {**gateway_config, "max_body_bytes": LIMIT}


def padded(size: int) -> bytes:
    body = json.dumps({**WORK, "metadata": {"pad": ""}}).encode()
    return body.replace(b'"pad": ""', b'"pad": "' + b"x" * (size - len(body)) + b'"')


def test_bodies_over_the_limit_are_refused(api: TestClient):
    headers = {**auth("alice"), "Content-Type": "application/json"}
    assert api.post("/v1/jobs", content=padded(LIMIT), headers=headers).status_code == 202
    declared = api.post("/v1/jobs", content=padded(LIMIT + 1), headers=headers)
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        body = padded(LIMIT + 1)
        yield from (body[i:i + 512] for i in range(0, len(body), 512))

    streamed = api.post("/v1/jobs", content=chunks(), headers=headers)
    assert streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "payload_too_large"


def test_unknown_routes_and_methods_get_json_errors(api: TestClient):
    missing = api.get("/v2/jobs", headers=auth("alice"))
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    wrong = api.put("/v1/jobs", headers=auth("alice"))
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (405, "method_not_allowed")
    assert wrong.headers["Allow"] == "GET, POST"
    # Every method of the path, though separate routes serve them.
    assert api.put("/v1/jobs/some-id", headers=auth("alice")).headers["Allow"] == "GET, DELETE"


def test_health_and_metrics(api: TestClient):
    assert api.get("/healthz").json() == {"status": "ok"}
    assert api.get("/readyz").json() == {"status": "ready"}
    api.post("/v1/jobs", json=WORK, headers=auth("alice"))
    api.get("/v1/generators")
    text = api.get("/metrics").text
    assert ('aigc_gateway_requests_total{method="POST",route="/v1/jobs",status="202"} 1.0'
            in text)
    assert 'aigc_gateway_jobs_submitted_total{generator="qtest.work",model="qtest"} 1.0' in text
    assert 'aigc_gateway_auth_failures_total{reason="missing"} 1.0' in text
    assert 'aigc_gateway_queue_length{queue="aigc.qtest"} 1.0' in text


@pytest.fixture
def no_redis(settings: Settings) -> Iterator[TestClient]:
    """A gateway whose Redis is down."""
    queue = {**settings.queue, "redis_url": f"redis://127.0.0.1:{free_port()}/0"}
    down = load_settings(queue=queue, models=settings.models, gateway=settings.gateway,
                         enable_plugins=settings.enable_plugins)
    with TestClient(create_app(down)) as client:
        yield client


def test_without_redis_the_gateway_is_alive_but_not_ready(no_redis: TestClient):
    assert no_redis.get("/healthz").status_code == 200
    not_ready = no_redis.get("/readyz")
    assert (not_ready.status_code, not_ready.json()["error"]["code"]) == (503, "unavailable")
    assert "aigc_gateway_queue_length" in no_redis.get("/metrics").text


def test_the_committed_openapi_document_is_the_apps(api: TestClient):
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == document(), "run: python -m aigc_gateway.openapi docs/openapi.json"
    assert json.loads(committed) == api.get("/openapi.json").json()
