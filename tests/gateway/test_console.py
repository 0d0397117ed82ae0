"""The review console over HTTP: logging in, the queue, a job page, decisions from its
forms, and what keeps it safe (CSRF tokens, roles, inert model output, the
Content-Security-Policy, conflicts between reviewers). Against a real Redis and a real
SQLite ledger: people added as ``aigc users add`` does, jobs under review submitted over
HTTP, "run" by the store as a worker would and recorded by the real outbox writer. In a real
browser: test_console_browser.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aigc_core.config import Settings
from aigc_core.jobs import utcnow
from aigc_core.ledger import Ledger, LedgerSettings, database
from aigc_core.review.settings import ReviewSettings
from aigc_gateway.console import passwords
from aigc_gateway.console.web import SECURITY_HEADERS
from aigc_workers.ledger_sync import sync
from aigc_workers.store import Store

from .conftest import auth, succeed

pytestmark = pytest.mark.timeout(60)

#: name -> (role, password) of the console's people in these tests.
PEOPLE = {"ana": ("reviewer", "ana-password-1"), "ben": ("reviewer", "ben-password-1"),
          "vic": ("viewer", "vic-password-1"), "ada": ("admin", "ada-password-1")}
TEXT = "The harbour reopens on Monday."


@pytest.fixture
def gateway_config(gateway_config: dict[str, Any]) -> dict[str, Any]:
    # The TestClient speaks plain http://testserver, which is not a secure origin.
    return {**gateway_config, "console_secure_cookie": False}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path}/console.db"
    settings = settings.model_copy(update={
        "ledger": LedgerSettings(url=url),
        "review": ReviewSettings(generators={"qtest.*": "required", "translation.*": "required"},
                                 failed=True)})
    database.upgrade(database.connect(settings.ledger))
    with Ledger.open(settings.ledger) as ledger:
        for name, (role, password) in PEOPLE.items():
            ledger.save_user(name, role, passwords.hash_password(password))
    return settings


@pytest.fixture
def finished(api: TestClient, store: Store, settings: Settings) -> Callable[..., str]:
    """``finished(output_text)``: a qtest job of alice's, finished with that text and
    recorded in the ledger; its id."""
    def make(text: str = "done", **finish: Any) -> str:
        response = api.post("/v1/jobs", headers=auth("alice"), json={
            "generator": "qtest.work", "model": "qtest", "input": {"text": TEXT}})
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        succeed(store, job_id, text, **finish)
        sync(settings, "test", once=True)
        return job_id

    return make


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def login(client: TestClient, name: str, password: str | None = None) -> TestClient:
    form = client.get("/ui/login")
    answer = client.post("/ui/login", data={
        "csrf": csrf(form.text), "name": name, "password": password or PEOPLE[name][1],
        "next": "/ui/"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


def second(api: TestClient) -> TestClient:
    """Another browser: its own cookies, the same app."""
    return TestClient(api.app)


def decide(client: TestClient, job_id: str, **fields: str):
    page = client.get(f"/ui/jobs/{job_id}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    data = {"csrf": csrf(page.text), "version": version.group(1) if version else "0", **fields}
    return client.post(f"/ui/jobs/{job_id}/review", data=data, follow_redirects=False)


def state(api: TestClient, job_id: str) -> str:
    return api.get(f"/v1/jobs/{job_id}", headers=auth("alice")).json()["state"]


def test_pages_need_a_login_and_a_wrong_password_is_refused(api: TestClient,
                                                            finished: Callable[..., str]):
    job_id = finished()
    gone = api.get(f"/ui/jobs/{job_id}", follow_redirects=False)
    assert gone.status_code == 303
    assert gone.headers["location"] == f"/ui/login?next=/ui/jobs/{job_id}"
    form = api.get("/ui/login")
    wrong = api.post("/ui/login", data={"csrf": csrf(form.text), "name": "ana",
                                        "password": "not-her-password"})
    assert wrong.status_code == 401 and "Wrong name or password." in wrong.text
    nobody = api.post("/ui/login", data={"csrf": csrf(wrong.text), "name": "zed",
                                         "password": "whatever-it-is"})
    assert nobody.status_code == 401 and "Wrong name or password." in nobody.text
    forged = second(api).post("/ui/login", data={"csrf": "made-up", "name": "ana",
                                                 "password": PEOPLE["ana"][1]})
    assert forged.status_code == 403  # no login form was loaded: no CSRF cookie to match


def test_the_queue_and_a_job_page_show_the_output_safely(api: TestClient,
                                                         finished: Callable[..., str]):
    job_id = finished("Ordinary text.")
    login(api, "ana")
    queue = api.get("/ui/")
    assert queue.status_code == 200
    assert f'href="/ui/jobs/{job_id}"' in queue.text
    for name, value in SECURITY_HEADERS.items():
        assert queue.headers[name] == value
    assert "script-src 'self'" in queue.headers["Content-Security-Policy"]
    assert "<script>" not in queue.text and " style=" not in queue.text  # nothing inline
    cookie = api.cookies.jar
    session = next(c for c in cookie if c.name == "aigc_session")
    assert session.has_nonstandard_attr("HttpOnly") and session.path == "/ui"
    page = api.get(f"/ui/jobs/{job_id}")
    assert page.status_code == 200 and "Ordinary text." in page.text
    assert TEXT in page.text  # the input beside the output
    assert 'id="approve"' in page.text


def test_model_output_is_inert_text(api: TestClient, finished: Callable[..., str]):
    payload = ('<script>alert(1)</script><img src=x onerror="alert(2)">'
               '<a href="javascript:alert(3)">click</a>' + "W" * 20_000)
    job_id = finished(payload)
    login(api, "ana")
    page = api.get(f"/ui/jobs/{job_id}").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert '<a href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "W" * 20_000 in page  # all of it, wrapped by the style sheet, not cut
    queue = api.get("/ui/").text
    assert "<script>alert" not in queue and "&lt;script&gt;" in queue


def test_a_reviewer_approves_and_edits_from_the_page(api: TestClient,
                                                     finished: Callable[..., str]):
    approved, edited = finished(), finished("Not the echo.")
    login(api, "ana")
    answer = decide(api, approved, decision="approve")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/ui/jobs/{approved}?decided=approve"
    assert "Decision recorded: approve." in api.get(answer.headers["location"]).text
    assert state(api, approved) == "approved"

    wrong = decide(api, edited, decision="edit", structured="0", output="Still wrong.")
    assert wrong.status_code == 422
    assert f"must be exactly {TEXT!r}".replace("'", "&#39;") in wrong.text
    assert "Still wrong." in wrong.text  # the reviewer's draft is kept in the form
    right = decide(api, edited, decision="edit", structured="0", output=TEXT)
    assert right.status_code == 303
    page = api.get(f"/ui/jobs/{edited}").text
    assert "revision 1, edited by ana" in page
    assert decide(api, edited, decision="approve").status_code == 303
    assert api.get(f"/v1/jobs/{edited}", headers=auth("alice")).json()["result"]["text"] == TEXT


def test_a_rejection_needs_a_reason(api: TestClient, finished: Callable[..., str]):
    job_id = finished()
    login(api, "ana")
    missing = decide(api, job_id, decision="reject", reason="   ")
    assert missing.status_code == 422 and "reject.reason" in missing.text
    assert decide(api, job_id, decision="reject", reason="wrong date").status_code == 303
    assert state(api, job_id) == "rejected"


def test_forms_without_the_sessions_csrf_token_are_refused(api: TestClient,
                                                           finished: Callable[..., str]):
    job_id = finished()
    login(api, "ana")
    for token in ("", "forged-token"):
        answer = api.post(f"/ui/jobs/{job_id}/review",
                          data={"csrf": token, "decision": "approve", "version": "0"})
        assert answer.status_code == 403 and "CSRF" in answer.text
    assert state(api, job_id) == "awaiting_review"


def test_a_viewer_reads_but_cannot_decide(api: TestClient, finished: Callable[..., str]):
    job_id = finished()
    login(api, "vic")
    page = api.get(f"/ui/jobs/{job_id}")
    assert page.status_code == 200 and 'id="approve"' not in page.text
    assert "vic is a viewer: only reviewers and admins decide." in page.text
    forced = api.post(f"/ui/jobs/{job_id}/review", data={
        "csrf": csrf(page.text), "decision": "approve", "version": "0"})
    assert forced.status_code == 403
    assert state(api, job_id) == "awaiting_review"


def test_two_reviewers_on_one_job_one_decides_the_other_is_told(api: TestClient,
                                                                finished: Callable[..., str]):
    job_id = finished()
    ana, ben = login(api, "ana"), login(second(api), "ben")
    ana_page, ben_page = api.get(f"/ui/jobs/{job_id}"), ben.get(f"/ui/jobs/{job_id}")
    ana_answer = ana.post(f"/ui/jobs/{job_id}/review", follow_redirects=False, data={
        "csrf": csrf(ana_page.text), "decision": "approve", "version": "0"})
    assert ana_answer.status_code == 303
    ben_answer = ben.post(f"/ui/jobs/{job_id}/review", follow_redirects=False, data={
        "csrf": csrf(ben_page.text), "decision": "reject", "version": "0",
        "reason": "the quote is wrong"})
    assert ben_answer.status_code == 409
    assert "was approved by ana" in ben_answer.text
    assert state(api, job_id) == "approved"


def test_logging_out_ends_the_session(api: TestClient, finished: Callable[..., str]):
    finished()
    login(api, "ana")
    page = api.get("/ui/")
    cookie = api.cookies.get("aigc_session")
    out = api.post("/ui/logout", data={"csrf": csrf(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    replay = second(api)
    replay.cookies.set("aigc_session", cookie, path="/ui")
    assert replay.get("/ui/", follow_redirects=False).status_code == 303


def test_the_dashboard_counts_jobs_reviews_and_queues(api: TestClient,
                                                      finished: Callable[..., str]):
    decided, _waiting, _failed = finished(), finished(), finished("x", status="failed")
    login(api, "ana")
    assert decide(api, decided, decision="approve").status_code == 303
    page = api.get("/ui/dashboard")
    assert page.status_code == 200
    tiles = {label: value for value, label in re.findall(
        r'<span class="big">([^<]+)</span> ([a-z ]+)</p>', page.text)}
    # The failed run waits for review too (review.failed).
    assert tiles == {"awaiting review": "2", "approved": "1", "rejected": "0",
                     "approval rate": "100%", "jobs": "3", "succeeded": "67%"}
    row = re.search(r"qtest\.work</a></td>(.*)</tr>", page.text)
    assert row and re.findall(r"<td>([^<]*)</td>", row.group(1)) == [
        "qtest", "3", "2", "1", "0", "66.7%"]
    assert "<svg" in page.text and "aigc.qtest" in page.text


def test_a_job_submitted_from_the_form_generated_from_its_schema(api: TestClient,
                                                                 settings: Settings):
    login(api, "ana")
    listing = api.get("/ui/submit")
    assert 'href="/ui/submit?generator=qtest.work"' in listing.text
    form = api.get("/ui/submit", params={"generator": "qtest.work"})
    assert 'name="text"' in form.text and 'type="checkbox" id="f-fail"' in form.text
    fields = {"csrf": csrf(form.text), "generator": "qtest.work", "model": "qtest"}
    missing = api.post("/ui/submit", data=fields | {"sleep": "soon"})
    assert missing.status_code == 422
    assert "input.sleep" in missing.text and "&#39;soon&#39; is not a number" in missing.text
    invalid = api.post("/ui/submit", data=fields | {"sleep": "0"})
    assert invalid.status_code == 422 and "input.text" in invalid.text
    sent = api.post("/ui/submit", data=fields | {"text": TEXT}, follow_redirects=False)
    assert sent.status_code == 303
    job_id = sent.headers["location"].rsplit("/", 1)[-1]
    pending = api.get(sent.headers["location"])
    assert pending.status_code == 200 and "The job is queued." in pending.text
    job = api.get(f"/v1/jobs/{job_id}", headers=auth("ops")).json()
    assert (job["state"], job["generator"]) == ("queued", "qtest.work")
    sync(settings, "test", once=True)
    assert api.get(f"/v1/jobs/{job_id}/history", headers=auth("ops")).json()[
        "submitter"] == "ana"


def test_a_viewer_cannot_submit(api: TestClient):
    login(api, "vic")
    form = api.get("/ui/submit", params={"generator": "qtest.work"})
    answer = api.post("/ui/submit", data={"csrf": csrf(form.text), "generator": "qtest.work",
                                          "model": "qtest", "text": TEXT})
    assert answer.status_code == 403 and "only reviewers and admins submit" in answer.text


def test_the_queue_filters_by_day(api: TestClient, finished: Callable[..., str]):
    job_id = finished()
    login(api, "ana")
    today = utcnow().date()
    days = {"since": today.isoformat(), "until": today.isoformat()}
    assert f"/ui/jobs/{job_id}" in api.get("/ui/", params=days).text
    before = {"until": (today - timedelta(days=1)).isoformat()}
    assert f"/ui/jobs/{job_id}" not in api.get("/ui/", params=before).text
    after = {"since": (today + timedelta(days=1)).isoformat()}
    assert "Nothing is awaiting review." in api.get("/ui/", params=after).text
    assert api.get("/ui/", params={"since": "not a date"}).status_code == 200  # ignored
