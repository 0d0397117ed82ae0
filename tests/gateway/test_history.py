"""``GET /v1/jobs`` and ``GET /v1/jobs/{id}/history``: the ledger over HTTP, each key seeing
only its own jobs. Jobs are submitted over HTTP, "run" by the store as a worker would, and
written to a real SQLite ledger by the real outbox writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aigc_core.config import Settings
from aigc_core.ledger import LedgerSettings
from aigc_workers.ledger_sync import sync
from aigc_workers.store import Store

from .conftest import auth, succeed

pytestmark = pytest.mark.timeout(60)

WORK = {"generator": "qtest.work", "model": "qtest"}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"ledger": LedgerSettings(url=f"sqlite:///{tmp_path}/h.db")})


def submit(api: TestClient, store: Store, key: str, text: str) -> str:
    response = api.post("/v1/jobs", json={**WORK, "input": {"text": text}}, headers=auth(key))
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    succeed(store, job_id, f"done: {text}")
    return job_id


def ids(body: dict[str, Any]) -> list[str]:
    return [job["job_id"] for job in body["jobs"]]


def test_each_key_lists_and_reads_only_its_own_jobs(api: TestClient, store: Store,
                                                    settings: Settings):
    alices = [submit(api, store, "alice", f"alpha {i}") for i in range(3)]
    sync(settings, "test", once=True)

    mine = api.get("/v1/jobs", headers=auth("alice"))
    assert mine.status_code == 200, mine.text
    assert ids(mine.json()) == alices[::-1]
    assert all(job["submitter"] == "alice" for job in mine.json()["jobs"])
    assert api.get("/v1/jobs", headers=auth("bob")).json() == {"jobs": [], "next_cursor": None}
    assert set(ids(api.get("/v1/jobs", headers=auth("ops")).json())) >= set(alices)

    history = api.get(f"/v1/jobs/{alices[0]}/history", headers=auth("alice"))
    assert history.status_code == 200, history.text
    record = history.json()
    assert record["job"]["input"] == {"text": "alpha 0"} and record["submitter"] == "alice"
    assert [e["kind"] for e in record["events"]] == ["queued", "started", "succeeded"]
    assert record["result"]["text"] == "done: alpha 0"
    other = api.get(f"/v1/jobs/{alices[0]}/history", headers=auth("bob"))
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    # Submitted, not yet recorded by the writer: it exists, so not 404 but "retry soon".
    fresh = api.post("/v1/jobs", json={**WORK, "input": {"text": "fresh"}}, headers=auth("alice"))
    early = api.get(f"/v1/jobs/{fresh.json()['id']}/history", headers=auth("alice"))
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_recorded"
    assert early.headers["Retry-After"] == "1"
    hidden = api.get(f"/v1/jobs/{fresh.json()['id']}/history", headers=auth("bob"))
    assert hidden.status_code == 404


def test_filters_search_and_cursor_pages(api: TestClient, store: Store, settings: Settings):
    made = [submit(api, store, "alice", f"page item {i}") for i in range(5)]
    sync(settings, "test", once=True)
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/v1/jobs", params=query, headers=auth("alice")).json()
        seen += ids(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1]
    found = api.get("/v1/jobs", params={"q": "item 3"}, headers=auth("alice")).json()
    assert ids(found) == [made[3]]
    assert ids(api.get("/v1/jobs", params={"status": "failed"}, headers=auth("alice")).json()) == []
    bad = api.get("/v1/jobs", params={"cursor": "not-ours"}, headers=auth("alice"))
    assert bad.status_code == 422 and "cursor" in bad.json()["error"]["message"]
    wrong = api.get("/v1/jobs", params={"status": "done"}, headers=auth("alice"))
    assert wrong.status_code == 422


def test_an_unreachable_ledger_is_a_503_naming_no_secret(api: TestClient, settings: Settings,
                                                          tmp_path: Path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    api.app.state.gateway.history.settings = LedgerSettings(url=f"sqlite:///{blocked}/x.db")
    response = api.get("/v1/jobs", headers=auth("alice"))
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "unavailable"


def test_bad_dates_are_refused_naming_the_parameter(api: TestClient):
    for value in ("0.5", "2026-13-40", "yesterday"):
        response = api.get("/v1/jobs", params={"until": value}, headers=auth("alice"))
        assert response.status_code == 422, (value, response.text)
        assert [p["field"] for p in response.json()["error"]["problems"]] == ["until"]
    limit = api.get("/v1/jobs", params={"limit": 0}, headers=auth("alice"))
    assert [p["field"] for p in limit.json()["error"]["problems"]] == ["limit"]
