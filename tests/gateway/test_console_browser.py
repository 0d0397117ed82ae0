"""The review console in a real browser: headless Chromium (Debian's, driven through its
chromedriver) against a live ``aigc serve`` on loopback, a real Redis, a real ``aigc worker``
running the ``qtest`` plugin (whose scripted backend echoes its input) and a real SQLite
ledger that the test fills with ``sync`` as ``aigc ledger-sync`` does. People log in through
the login form, find jobs in the queue, approve, edit and reject them with the pages' buttons
and keys; two browsers race on one job; model output full of markup stays inert text; forms
without the session's CSRF token and viewers' decisions are refused.

One gateway, worker, ledger and set of browsers serve the whole module; every test makes its
own jobs. Screenshots of the main pages at 1280x900 and 390x844 go to ``$AIGC_TEST_ARTIFACTS``
(read at import: the suite's autouse fixture hides ``AIGC_*`` variables from the tests), else
``test-artifacts/console/``. The same pages over plain HTTP: test_console.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from aigc_core import Result
from aigc_core.config import Settings, load_settings
from aigc_core.jobs import Provenance
from aigc_core.labelling import ExplicitLabel, attach, embed
from aigc_core.ledger import Ledger, database
from aigc_gateway.console import passwords
from aigc_workers.job_state import FINAL_STATES
from aigc_workers.ledger_sync import sync
from aigc_workers.settings import queue_settings
from aigc_workers.store import Store, connect
from tests.queue.conftest import ROOT, TEST_QUEUE_SETTINGS, RedisServer, WorkerHandle, worker_env
from tests.support.ports import wait_until

from .conftest import API_KEYS, LiveGateway, auth, gateway_env, start_gateway, stop_gateway, succeed

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
    pytest.skip(f"the console's browser tests need {CHROMIUM} and {CHROMEDRIVER} (Debian's "
                "chromium and chromium-driver: scripts/setup.sh installs them)",
                allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ARTIFACTS = Path(os.environ.get("AIGC_TEST_ARTIFACTS") or ROOT / "test-artifacts" / "console")
#: name -> (width, height, mobile) of the screenshots' viewports.
SIZES = {"desktop": (1280, 900, False), "phone": (390, 844, True)}
#: Seconds any one wait in a page may take (a 2-core machine running Chromium, the gateway,
#: the worker and Redis at once is slow, but never this slow).
WAIT = 30

#: name -> (role, password) of the console's people.
PEOPLE = {"ana": ("reviewer", "ana-password-1"), "ben": ("reviewer", "ben-password-1"),
          "vic": ("viewer", "vic-password-1")}
TEXT = "The harbour reopens on Monday."
#: Model output that would run script if a page let it: each piece sets window.__xss.
XSS = ('<script>window.__xss = 1; alert(1)</script>'
       '<img src=x onerror="window.__xss = 2; alert(2)">'
       '<a href="javascript:window.__xss = 3; alert(3)">click me</a> ')
LONG = "W" * 20_000


# -- the gateway, its worker and ledger ------------------------------------------------------
@dataclass
class Live:
    """A live gateway with its worker, and the test's means to feed and read it."""

    gateway: LiveGateway
    settings: Settings
    store: Store
    http: httpx.Client

    @property
    def url(self) -> str:
        return self.gateway.url

    def submit(self, text: str = TEXT, model: str = "qtest", **job: Any) -> str:
        """A job of alice's over the HTTP API; its id. Model ``qtest`` goes to the worker;
        ``qtest2`` stays queued for the test to finish with ``store``."""
        body = {"generator": "qtest.work", "model": model, "input": {"text": text}, **job}
        answer = self.http.post("/v1/jobs", json=body, headers=auth("alice"))
        assert answer.status_code == 202, answer.text
        return answer.json()["id"]

    def job(self, job_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/v1/jobs/{job_id}", headers=auth("alice"))
        assert answer.status_code == 200, answer.text
        return answer.json()

    def review(self, job_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/v1/jobs/{job_id}/history", headers=auth("alice"))
        assert answer.status_code == 200, answer.text
        return answer.json()["review"]

    def run(self, text: str = TEXT) -> str:
        """A job run by the real worker to ``awaiting_review`` and recorded in the ledger."""
        job_id = self.submit(text)
        # Not ?wait=: a wait lasts through review, until a reviewer has decided.
        wait_until(lambda: self.job(job_id)["state"] in FINAL_STATES, 60,
                   f"job {job_id} run by the worker", interval=0.05)
        assert self.job(job_id)["state"] == "awaiting_review", self.job(job_id)
        self.record()
        return job_id

    def record(self) -> None:
        """What ``aigc ledger-sync`` does, once: the outbox into the ledger."""
        sync(self.settings, "test", once=True)


def _start_worker(env: dict[str, str], directory: Path) -> WorkerHandle:
    log_path = directory / "worker.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "aigc_core.cli", "worker", "--queues", "aigc.qtest",
             "--concurrency", "1", "--pool", "prefork", "--loglevel", "INFO",
             "--hostname", "w1@%h"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=directory)
    return WorkerHandle("w1", proc, log_path)


@pytest.fixture(scope="module")
def live(module_redis: RedisServer, qtest_plugin: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """``aigc serve`` and ``aigc worker`` sharing one Redis; the gateway's ledger holds the
    console's people and is the one ``Live.record`` writes to. The settings reach the
    subprocesses as ``AIGC_*`` variables, as an operator's environment would give them."""
    directory = tmp_path_factory.mktemp("console-browser")
    queue = {"redis_url": module_redis.url, **TEST_QUEUE_SETTINGS}
    # qtest2 has no worker here: its jobs wait for the test to finish them with the store.
    models = {"default": {"backend": "local", "n_ctx": 2048}, "qtest": {"backend": "qtest"},
              "qtest2": {"backend": "qtest"}}
    plugins = ["qtest", "translation"]
    # console_secure_cookie is left at its default (true): Chromium counts http://127.0.0.1 as
    # a secure origin and keeps Secure cookies there.
    gateway = {"api_keys": API_KEYS, "poll_interval": 0.05}
    ledger = {"url": f"sqlite:///{directory}/ledger.db"}
    review = {"generators": {"qtest.*": "required", "translation.*": "required"},
              "failed": True}
    settings = load_settings(queue=queue, models=models, enable_plugins=plugins,
                             gateway=gateway, ledger=ledger, review=review)
    database.upgrade(database.connect(settings.ledger))
    with Ledger.open(settings.ledger) as opened:
        for name, (role, password) in PEOPLE.items():  # as `aigc users add` does
            opened.save_user(name, role, passwords.hash_password(password))

    worker = _start_worker(
        worker_env(queue, models, ["qtest"], [qtest_plugin], directory / "qtest-calls.log"),
        directory)
    server: LiveGateway | None = None
    redis = connect(queue_settings(settings))
    try:
        env = gateway_env(queue, models, plugins, [qtest_plugin], gateway)
        env |= {"AIGC_LEDGER": json.dumps(ledger), "AIGC_REVIEW": json.dumps(review)}
        server = start_gateway(env, directory)
        worker.wait_ready()
        with httpx.Client(base_url=server.url, timeout=WAIT + 15) as http:
            yield Live(server, settings, Store(redis, queue_settings(settings)), http)
    finally:
        if server is not None:
            stop_gateway(server)
        worker.destroy()
        redis.close()


def finish(live: Live, job_id: str, text: str | None = None,
           output: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None,
           generator: str = "qtest.work") -> None:
    """Finish a ``qtest2`` job as a worker would (``text`` or a structured ``output``), then
    record it."""
    if output is None:
        succeed(live.store, job_id, text or "", metadata=metadata)
    else:
        job = live.store.status(job_id)
        live.store.begin(job_id, "test@host:1", 3, generator, job.model or "qtest2")
        assert live.store.finish(Result(
            job_id=job_id, status="succeeded", output=output, metadata=metadata or {},
            provenance=Provenance(generator=generator, plugin="translation",
                                  plugin_version="1", model="qtest2"))).outcome == "stored"
    assert live.job(job_id)["state"] == "awaiting_review"
    live.record()


# -- browsers --------------------------------------------------------------------------------
def _viewport(driver: WebDriver, size: str) -> None:
    width, height, mobile = SIZES[size]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return window.innerWidth") == width)


@dataclass
class Browsers:
    """Headless Chromium windows, each with its own profile (so its own cookies)."""

    url: str
    drivers: list[WebDriver] = field(default_factory=list)
    people: dict[str, WebDriver] = field(default_factory=dict)

    def new(self) -> WebDriver:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--disable-extensions", "--no-first-run",
                         "--window-size=1280,900", "--hide-scrollbars"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {
            "credentials_enable_service": False, "profile.password_manager_enabled": False,
            "profile.password_manager_leak_detection": False})
        # An explicit driver: Selenium Manager, which would download one, is never asked.
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                                  options=options)
        self.drivers.append(driver)
        driver.set_page_load_timeout(WAIT * 2)
        driver.set_script_timeout(WAIT)
        _viewport(driver, "desktop")
        return driver

    def person(self, name: str) -> WebDriver:
        """A window where ``name`` has logged in through the form (kept for the module)."""
        if name not in self.people:
            driver = self.new()
            log_in(driver, self.url, name)
            self.people[name] = driver
        return self.people[name]

    def quit(self) -> None:
        for driver in self.drivers:
            with contextlib.suppress(Exception):  # quit the others whatever this one did
                driver.quit()


@pytest.fixture(scope="module")
def browsers(live: Live) -> Iterator[Browsers]:
    made = Browsers(live.url)
    try:
        yield made
    finally:
        made.quit()


# -- in a page -------------------------------------------------------------------------------
def wait(driver: WebDriver) -> WebDriverWait:
    return WebDriverWait(driver, WAIT)


def navigates(driver: WebDriver, action: Any) -> None:
    """Do ``action`` (a click, a key) and wait until the page it leads to has loaded."""
    driver.execute_script("window.__left = false")  # gone with this document

    def arrived(d: WebDriver) -> bool:
        try:
            return d.execute_script(
                "return window.__left === undefined && document.readyState === 'complete'")
        except WebDriverException:  # between the two documents
            return False

    action()
    wait(driver).until(arrived)


def click(driver: WebDriver, element_id: str) -> None:
    navigates(driver, driver.find_element(By.ID, element_id).click)


def press(driver: WebDriver, key: str) -> None:
    ActionChains(driver).send_keys(key).perform()


def status(driver: WebDriver) -> int:
    """The HTTP status of the page shown (Navigation Timing's responseStatus)."""
    return driver.execute_script(
        "return performance.getEntriesByType('navigation')[0].responseStatus")


def main_text(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "main").text


def open_job(driver: WebDriver, url: str, job_id: str) -> None:
    driver.get(f"{url}/ui/jobs/{job_id}")  # returns once the page has loaded
    answer = status(driver)
    assert answer == 200, f"HTTP {answer} for the page of job {job_id}:\n{driver.page_source}"
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "h1 .id"), job_id))


def log_in(driver: WebDriver, url: str, name: str, password: str | None = None) -> None:
    driver.get(f"{url}/ui/login")
    fill(driver.find_element(By.ID, "name"), name)
    fill(driver.find_element(By.ID, "password"), password or PEOPLE[name][1])
    navigates(driver, driver.find_element(By.CSS_SELECTOR, "form.login button").click)
    if password is None:
        wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Review queue"))


def fill(element: WebElement, text: str) -> None:
    element.clear()
    element.send_keys(text)


def notice(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "p.notice[role=status]").text


def alert_text(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "#main .error[role=alert]").text


def overflow(driver: WebDriver) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    return driver.execute_script(
        "return Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def shoot(driver: WebDriver, name: str) -> dict[str, int]:
    """PNGs of the page at each of ``SIZES``; how far it overflows horizontally at each."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    wider = {}
    try:
        for size in SIZES:
            _viewport(driver, size)
            driver.execute_script("window.scrollTo(0, 0)")
            wider[size] = overflow(driver)
            driver.save_screenshot(str(ARTIFACTS / f"{name}-{size}.png"))
    finally:
        _viewport(driver, "desktop")
    return wider


# -- the tests -------------------------------------------------------------------------------
def test_a_reviewer_logs_in_and_sees_submitted_jobs_arrive_in_the_queue(
        live: Live, browsers: Browsers):
    driver = browsers.new()
    driver.get(f"{live.url}/ui/")  # not logged in: off to the form, and back after it
    wait(driver).until(EC.url_contains("/ui/login?next=/ui/"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Log in"
    shoot(driver, "login")
    log_in(driver, live.url, "ana", password="not-her-password")
    assert status(driver) == 401
    assert alert_text(driver) == "Wrong name or password."
    assert driver.find_element(By.ID, "name").get_attribute("value") == "ana"
    log_in(driver, live.url, "ana")
    assert driver.current_url == f"{live.url}/ui/"
    session = driver.get_cookie("aigc_session")
    assert session is not None
    assert (session["secure"], session["httpOnly"], session["sameSite"], session["path"]) == (
        True, True, "Strict", "/ui")
    assert "ana" in driver.find_element(By.CSS_SELECTOR, ".top .who").text

    texts = ["Night ferries resume on Friday after repairs.",
             "The harbour reopens on Monday.",
             "Storm warning lifted for the northern coast."]
    jobs = [live.run(text) for text in texts]

    def arrived(d: WebDriver) -> bool:
        d.refresh()
        return all(d.find_elements(By.CSS_SELECTOR, f'tr[data-href="/ui/jobs/{job}"]')
                   for job in jobs)

    wait(driver).until(arrived)
    rows = driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")
    shown = {row.get_attribute("data-href").rsplit("/", 1)[1]: row.text for row in rows}
    for job_id, text in zip(jobs, texts, strict=True):
        assert "qtest.work" in shown[job_id] and "awaiting review" in shown[job_id]
        assert text in shown[job_id] and "alice" in shown[job_id]
    assert [href for href in (row.get_attribute("data-href") for row in rows)
            if href.rsplit("/", 1)[1] in jobs] == [f"/ui/jobs/{job}" for job in reversed(jobs)]
    assert shoot(driver, "queue") == {"desktop": 0, "phone": 0}


def test_a_reviewer_approves_a_job_with_the_button(live: Live, browsers: Browsers):
    job_id = live.run("Tram line 4 runs again from Tuesday.")
    driver = browsers.person("ana")
    open_job(driver, live.url, job_id)
    text = main_text(driver)
    assert "Tram line 4 runs again from Tuesday." in text and "awaiting review" in text
    assert "submitted by alice" in text
    shoot(driver, "job-text")
    click(driver, "approve")
    assert driver.current_url == f"{live.url}/ui/jobs/{job_id}?decided=approve"
    assert notice(driver) == "Decision recorded: approve."
    assert driver.find_element(By.CSS_SELECTOR, "h1 .state").text == "approved"
    assert "last decided by ana" in main_text(driver)
    assert not driver.find_elements(By.ID, "approve")  # decided: no more buttons
    shoot(driver, "job-approved")
    assert live.job(job_id)["state"] == "approved"


#: A translation job's input and output, plain text or an i18n file (format json).
TRANSLATIONS = {
    "plain": ("Your cart is empty, {name}.\n\nPrices include VAT. <a href=\"/terms\">Terms</a>",
              "Votre panier est vide, {name}.\n\n"
              "Les prix incluent la TVA. <a href=\"/terms\">Conditions</a>"),
    "json": ({"cart": {"title": "Your cart", "empty": "Your cart is empty, {name}."},
              "footer": "Prices include VAT. <a href=\"/terms\">Terms</a>"},
             {"cart": {"title": "Votre panier", "empty": "Votre panier est vide, {name}."},
              "footer": "Les prix incluent la TVA. <a href=\"/terms\">Conditions</a>"}),
}


@pytest.mark.parametrize("text_format", ["plain", "json"])
def test_a_translation_is_shown_side_by_side(live: Live, browsers: Browsers, text_format: str):
    source, translation = TRANSLATIONS[text_format]
    answer = live.http.post("/v1/jobs", headers=auth("alice"), json={
        "generator": "translation.translate", "model": "qtest2", "input": {
            "text": source, "format": text_format, "source_language": "en",
            "target_language": "fr", "glossary": {"cart": "panier"}}})
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["id"]
    finish(live, job_id, generator="translation.translate", output={
        "translation": translation, "source_language": "en", "target_language": "fr",
        "glossary_applied": ["cart"]})
    driver = browsers.person("ana")
    open_job(driver, live.url, job_id)
    rows = driver.find_elements(By.CSS_SELECTOR, "table.side-by-side tbody tr")
    assert [row.find_element(By.CSS_SELECTOR, ".path").text for row in rows] == (
        ["text"] if text_format == "plain" else ["cart.title", "cart.empty", "footer"])
    assert "Votre panier est vide, {name}." in driver.find_element(
        By.CSS_SELECTOR, "table.side-by-side").text
    # Row by row, source then translation, then the legend under the table.
    tag = ['<a href="/terms">', "</a>"]
    placeholders, terms = {
        "plain": (["{name}", *tag] * 2, ["cart", "panier"]),
        "json": (["{name}", "{name}", *tag, *tag], ["cart", "panier"] * 2),
    }[text_format]
    assert [m.text for m in driver.find_elements(By.CSS_SELECTOR, "mark.placeholder")] == [
        *placeholders, "placeholder"]
    assert [m.text for m in driver.find_elements(By.CSS_SELECTOR, "mark.term")] == [
        *terms, "glossary term"]
    assert not driver.find_elements(By.CSS_SELECTOR, "table.side-by-side a")  # tags as text
    assert shoot(driver, f"job-translation-{text_format}") == {"desktop": 0, "phone": 0}


def test_an_edit_is_checked_saved_as_a_revision_and_published_with_its_label(
        live: Live, browsers: Browsers):
    label = ExplicitLabel(text="[AI-generated]", position="start", embedded=True)
    labelled = SimpleNamespace(metadata={})
    attach(labelled, label, {"producer": "aigc"})
    job_id = live.submit(model="qtest2")
    finish(live, job_id, embed("A wrong echo.", label), metadata=labelled.metadata)
    driver = browsers.person("ana")
    open_job(driver, live.url, job_id)
    assert "the AI label is kept" in driver.find_element(By.CSS_SELECTOR,
                                                         "label[for=output]").text
    output = driver.find_element(By.ID, "output")
    assert output.get_attribute("value") == "A wrong echo."  # the label is not in the draft

    fill(output, "Still not the text.")
    click(driver, "edit")
    assert status(driver) == 422
    assert f"must be exactly {TEXT!r}" in alert_text(driver)
    assert driver.find_element(By.ID, "output").get_attribute("value") == "Still not the text."
    assert "revision" not in driver.find_element(By.ID, "output-h").text

    fill(driver.find_element(By.ID, "output"), TEXT)
    click(driver, "edit")
    assert notice(driver) == "Decision recorded: edit."
    assert "(revision 1, edited by ana)" in driver.find_element(By.ID, "output-h").text
    assert TEXT in driver.find_element(By.CSS_SELECTOR, "article.preview").text
    shoot(driver, "job-edited")
    click(driver, "approve")
    assert notice(driver) == "Decision recorded: approve."

    job = live.job(job_id)
    assert job["state"] == "approved"
    assert job["result"]["text"] == embed(TEXT, label)
    ai_label = job["result"]["metadata"]["ai_label"]
    assert ai_label["explicit"]["text"] == "[AI-generated]"
    assert ai_label["implicit"] == {"producer": "aigc"}
    assert ai_label["edited"] | {"at": None} == {"by": "ana", "at": None, "revision": 1}


def test_a_reviewer_rejects_a_job_with_a_reason(live: Live, browsers: Browsers):
    job_id = live.run("The bridge closes for a week.")
    driver = browsers.person("ana")
    open_job(driver, live.url, job_id)
    driver.find_element(By.ID, "reject").click()  # no reason: the browser holds the form back
    assert driver.execute_script("return document.getElementById('reason').validity.valueMissing")
    assert driver.current_url == f"{live.url}/ui/jobs/{job_id}"
    fill(driver.find_element(By.ID, "reason"), "Wrong date: it closes for two weeks.")
    click(driver, "reject")
    assert notice(driver) == "Decision recorded: reject."
    assert driver.find_element(By.CSS_SELECTOR, "h1 .state").text == "rejected"
    assert "“Wrong date: it closes for two weeks.”" in main_text(driver)
    assert live.job(job_id)["state"] == "rejected"
    assert live.review(job_id)["reason"] == "Wrong date: it closes for two weeks."


def test_two_reviewers_racing_the_second_is_told_the_first_decided(
        live: Live, browsers: Browsers):
    job_id = live.run("Ferry fares rise in June.")
    ana, ben = browsers.person("ana"), browsers.person("ben")
    open_job(ana, live.url, job_id)
    open_job(ben, live.url, job_id)
    click(ana, "approve")
    assert notice(ana) == "Decision recorded: approve."
    fill(ben.find_element(By.ID, "reason"), "The fares rise in July.")
    click(ben, "reject")  # ben's page still offers the decision the version had
    assert status(ben) == 409
    assert "was approved by ana" in alert_text(ben)
    assert ben.find_element(By.CSS_SELECTOR, "h1 .state").text == "approved"
    assert not ben.find_elements(By.ID, "reject")
    shoot(ben, "conflict")
    assert live.job(job_id)["state"] == "approved"
    assert live.review(job_id)["decided_by"] == "ana"


def test_markup_in_model_output_is_inert_text(live: Live, browsers: Browsers):
    job_id = live.submit("<img src=x onerror=\"window.__xss = 4\">", model="qtest2")
    finish(live, job_id, XSS + LONG)
    driver = browsers.person("ana")
    for page in (f"/ui/jobs/{job_id}", "/ui/"):
        driver.get(live.url + page)
        wait(driver).until(EC.presence_of_element_located((By.ID, "main")))
        with pytest.raises(NoAlertPresentException):
            driver.switch_to.alert.text  # noqa: B018 - reading it is the check
        assert driver.execute_script("return typeof window.__xss") == "undefined"
        assert not driver.find_elements(By.CSS_SELECTOR, "#main img, #main script")
        assert not driver.find_elements(By.CSS_SELECTOR, "a[href^='javascript']")
        assert [s.get_attribute("src") for s in driver.find_elements(By.TAG_NAME, "script")] == [
            f"{live.url}/ui/static/console.js"]
        assert overflow(driver) == 0, f"{page} scrolls sideways at 1280 px"
    driver.get(f"{live.url}/ui/?state=awaiting_review")
    snippet = driver.find_element(By.CSS_SELECTOR, f'tr[data-href="/ui/jobs/{job_id}"] .snippet')
    assert snippet.text.startswith("<script>window.__xss = 1;")

    open_job(driver, live.url, job_id)
    preview = driver.find_element(By.CSS_SELECTOR, "article.preview")
    assert preview.is_displayed()
    assert XSS.strip() in preview.text and LONG in preview.text  # all of it, as text
    assert "<img src=x onerror=\"window.__xss = 4\">" in main_text(driver)  # the input too
    long_text = driver.find_element(By.XPATH, "//article//p[contains(., 'WWWWWWWWWW')]")
    assert long_text.is_displayed() and long_text.size["width"] <= 1280
    assert shoot(driver, "xss") == {"desktop": 0, "phone": 0}
    assert driver.execute_script("return typeof window.__xss") == "undefined"


def test_a_form_without_the_sessions_csrf_token_is_refused(live: Live, browsers: Browsers):
    job_id = live.run("Parking fees fall in the old town.")
    driver = browsers.person("ana")
    open_job(driver, live.url, job_id)
    driver.execute_script(
        "document.querySelector('#approve-form input[name=csrf]').value = 'forged-token'")
    click(driver, "approve")
    assert status(driver) == 403
    assert "CSRF" in alert_text(driver)

    cookie = driver.get_cookie("aigc_session")
    assert cookie is not None
    for token in ({}, {"csrf": ""}, {"csrf": "forged-token"}):
        answer = httpx.post(f"{live.url}/ui/jobs/{job_id}/review",
                            data={"decision": "approve", "version": "0", **token},
                            headers={"Cookie": f"aigc_session={cookie['value']}"},
                            follow_redirects=False, timeout=WAIT)
        assert answer.status_code == 403 and "CSRF" in answer.text
    assert live.job(job_id)["state"] == "awaiting_review"
    assert live.review(job_id)["version"] == 0


def test_a_viewer_sees_no_decisions_and_cannot_approve(live: Live, browsers: Browsers):
    job_id = live.run("Swimming pools open an hour earlier.")
    driver = browsers.person("vic")
    open_job(driver, live.url, job_id)
    assert "vic is a viewer: only reviewers and admins decide." in main_text(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, ".decisions, #approve, #reject, #edit, "
                                                     "#regenerate, #output, #reason")
    press(driver, "a")  # the key has no button to press
    assert driver.current_url == f"{live.url}/ui/jobs/{job_id}"
    assert not driver.find_elements(By.CSS_SELECTOR, "p.notice")
    # A form forged in the page, with the session's own CSRF token (from the log-out form).
    navigates(driver, lambda: driver.execute_script("""
        const form = document.createElement('form');
        form.method = 'post';
        form.action = '/ui/jobs/' + arguments[0] + '/review';
        const fields = {csrf: document.querySelector('form[action="/ui/logout"] [name=csrf]').value,
                        decision: 'approve', version: '0'};
        for (const [name, value] of Object.entries(fields)) {
          const input = document.createElement('input');
          input.type = 'hidden'; input.name = name; input.value = value;
          form.appendChild(input);
        }
        document.body.appendChild(form);
        form.submit();""", job_id))
    assert status(driver) == 403
    assert "vic is a viewer: only reviewers and admins decide." in alert_text(driver)
    assert live.job(job_id)["state"] == "awaiting_review"


def test_keys_open_the_first_job_of_the_queue_and_approve_it(live: Live, browsers: Browsers):
    job_id = live.run("Libraries stay open late in exam weeks.")
    driver = browsers.person("ana")
    driver.get(f"{live.url}/ui/")
    first = wait(driver).until(EC.presence_of_element_located(
        (By.CSS_SELECTOR, "table.queue tbody tr")))
    assert first.get_attribute("data-href") == f"/ui/jobs/{job_id}"  # the newest first
    press(driver, "j")
    press(driver, "j")
    press(driver, "k")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")
    assert [row.get_attribute("class") for row in rows][:1] == ["selected"]
    assert all("selected" not in (row.get_attribute("class") or "") for row in rows[1:])
    assert driver.switch_to.active_element == first.find_element(By.TAG_NAME, "a")
    navigates(driver, lambda: press(driver, Keys.ENTER))
    assert driver.current_url == f"{live.url}/ui/jobs/{job_id}"
    navigates(driver, lambda: press(driver, "a"))
    assert notice(driver) == "Decision recorded: approve."
    assert live.job(job_id)["state"] == "approved"
