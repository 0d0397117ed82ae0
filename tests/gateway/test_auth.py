"""API keys (401), what each key may run (403), and rate limits shared by gateways (429)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from aigc_core.config import Settings
from aigc_gateway.app import create_app

from .conftest import API_KEYS, KEYS, auth

pytestmark = pytest.mark.timeout(60)

WORK = {"generator": "qtest.work", "model": "qtest", "input": {"text": "hello"}}
GREET = {"generator": "hello.greeting", "input": {"name": "Ada"}}

#: The limited key's requests per window.
LIMIT = 3


@pytest.fixture
def gateway_config(gateway_config: dict[str, Any]) -> dict[str, Any]:
    limited = {"key_env": "AIGC_TEST_LIMITED_KEY", "rate_limit": LIMIT}
    return {**gateway_config, "api_keys": {**API_KEYS, "limited": limited},
            "rate_window": 3600}


@pytest.fixture(autouse=True)
def _limited_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIGC_TEST_LIMITED_KEY", "aigc_limited-key")


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer aigc_not-a-key"},
    {"Authorization": f"Basic {KEYS['alice']}"},
    {"Authorization": KEYS["alice"]},
])
def test_requests_without_a_known_key_are_refused(api: TestClient, headers: dict[str, str]):
    for response in (api.get("/v1/generators", headers=headers),
                     api.post("/v1/jobs", json=WORK, headers=headers),
                     api.get("/v1/jobs/some-id/events", headers=headers)):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "unauthorized"


def test_a_key_runs_only_its_generators(api: TestClient):
    refused = api.post("/v1/jobs", json=WORK, headers=auth("bob"))
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert (error["code"], [p["field"] for p in error["problems"]]) == ("forbidden", ["generator"])
    assert "hello.*" in error["problems"][0]["message"]
    assert api.post("/v1/jobs", json=GREET, headers=auth("bob")).status_code == 202

    batch = api.post("/v1/jobs:batch", json={"jobs": [GREET, WORK, WORK]}, headers=auth("bob"))
    assert batch.status_code == 403
    assert [p["field"] for p in batch.json()["error"]["problems"]] == [
        "jobs[1].generator", "jobs[2].generator"]


def test_a_key_from_the_environment_is_recognised(api: TestClient):
    response = api.get("/v1/generators", headers={"Authorization": "Bearer aigc_limited-key"})
    assert response.status_code == 200


def test_rate_limits_hold_across_gateways(api: TestClient, settings: Settings):
    headers = {"Authorization": "Bearer aigc_limited-key"}
    with TestClient(create_app(settings)) as other:  # a second gateway of the fleet
        answers = [gateway.get("/v1/generators", headers=headers)
                   for gateway in (api, other, api)]
        assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
        refused = other.get("/v1/generators", headers=headers)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.headers["RateLimit-Remaining"] == "0"
    # Other keys have their own budgets.
    assert api.get("/v1/generators", headers=auth("alice")).status_code == 200


def test_a_batch_counts_one_request_per_job(api: TestClient):
    headers = {"Authorization": "Bearer aigc_limited-key"}
    three = {"jobs": [WORK, WORK, WORK]}
    ok = api.post("/v1/jobs:batch", json={"jobs": [WORK, WORK]}, headers=headers)
    assert ok.status_code == 202 and ok.headers["RateLimit-Remaining"] == "1"
    refused = api.post("/v1/jobs:batch", json=three, headers=headers)
    assert refused.status_code == 429
    # A refused request is not counted: the last request of the window still fits.
    assert api.get("/v1/generators", headers=headers).status_code == 200
