"""10. The review console: how fast its pages answer over 100,000 jobs in the ledger, served
for real (``aigc serve`` in a subprocess on a loopback port) and asked over HTTP by a client
that logged in as a person does (the login form's CSRF cookie, then the session cookie).

The ledger is a SQLite file (the default engine) created with ``database.upgrade`` as
``aigc ledger upgrade`` does, filled with the ledger benchmark's seeded records
(``benchmarks.ledger.Records`` and ``bulk_insert``: eight generators, 95% succeeded, 200-400
word outputs of a Zipf vocabulary, three events each, created one after another over 180
days up to now). A fifth of the jobs, drawn at random, are under required review: half of
those ``awaiting_review`` (version 0), the rest decided (70% approved, 30% rejected; version
1, with their decision's event); their ``jobs.review`` says ``required``. No job is
``unreviewed`` (optional review), so that queue tab is empty: the worst case of the queue's
query, which finds nothing and so reads everything. One console user, a reviewer.

Measured, one request at a time, the pages in turn (so that drift reaches all of them), after
one untimed warm-up round: the queue (``awaiting_review``, the default; by generator; a
full-text search for a common word; the tenth page through its cursor; ``approved``;
``unreviewed``), ``/ui/next`` (a redirect to the newest job awaiting review), job pages of
random jobs (awaiting review, decided, never reviewed) and the dashboard (14 days, the
default, and 90, the most it shows). Baselines on the same server in the same run:
``GET /healthz`` (routing, no I/O) and ``GET /v1/jobs/{id}/history`` (one job's record as
JSON with an API key: the same ``Ledger.show`` as a job page, without the session, review
and template). Each page: p50, p95 and max, and its p95 over each baseline's p50. Then a
second pass with CLIENTS clients at once on a few pages (requests/s). Then where the time
goes: the ledger calls behind each page, timed in this process against the same file (the
server idle), with the plan (EXPLAIN QUERY PLAN) of each call's slowest statement, printed
for a page that missed its target. Last, every open review is decided at once (reviewers
who caught up) and the default queue and ``/ui/next`` are timed again, with nothing left
to list.

Targets (the console issue): with 100,000 jobs in the ledger, every queue page and job page
< 200 ms p95; the dashboard < 1 s p95.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, bindparam, event, insert, update

from aigc_core.ledger import Filters, Ledger, LedgerSettings, schema
from aigc_gateway.console import passwords
from aigc_gateway.history import decode_cursor, encode_cursor
from aigc_gateway.keys import hash_key

from . import ledger
from .context import Context
from .fleet import ROOT, Fleet, Process, free_port, wait_until
from .report import Report, Target, percentile
from .sim_server import HOST

SEED = 20_261_205
#: The console's page size (pages.PAGE) and the page the cursor row reads.
PAGE = 25
CURSOR_PAGE = 10
#: Share of jobs under review, and how those split.
REVIEWED_SHARE = 0.20
AWAITING_SHARE = 0.5
APPROVED_OF_DECIDED = 0.7
#: Targets, ms.
PAGE_P95_MS = 200.0
DASHBOARD_P95_MS = 1000.0
USER, PASSWORD = "bench-reviewer", "bench-password-1"
API_KEY = "aigc_bench-console-key"
CLIENTS = 4
#: Seconds one HTTP request may take before the run fails.
REQUEST_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Plan:
    """How big one run is."""

    jobs: int
    #: Timed requests per page (dashboards: ``dashboard_repetitions``), one at a time.
    repetitions: int
    dashboard_repetitions: int
    #: Requests per client in the concurrent pass.
    concurrent_requests: int
    #: Timed calls of each ledger call in this process.
    ledger_repetitions: int
    #: A page stops being asked after this many seconds of its requests (fewer samples).
    page_budget_s: float


FULL = Plan(jobs=100_000, repetitions=100, dashboard_repetitions=20, concurrent_requests=25,
            ledger_repetitions=20, page_budget_s=60.0)
QUICK = Plan(jobs=10_000, repetitions=40, dashboard_repetitions=10, concurrent_requests=10,
             ledger_repetitions=10, page_budget_s=30.0)


# -- the ledger ---------------------------------------------------------------------------

@dataclass
class Seeded:
    """What the filled ledger holds, as the benchmark needs to know it."""

    url: str
    jobs: int
    #: Job ids by review state ("" for jobs never under review).
    by_review: dict[str, list[str]]
    #: Jobs awaiting review of each generator.
    awaiting_by_generator: dict[str, int]
    common_word: str
    fill_s: float = 0.0
    #: Reviews decided at once for the caught-up pages (all that were awaiting review).
    caught_up: int = 0


def seed_ledger(path: Path, jobs: int, progress: Callable[[str], None]) -> Seeded:
    """A SQLite ledger at ``path`` with ``jobs`` jobs, a fifth of them under review, and the
    console user."""
    url = f"sqlite:///{path}"
    begun = time.monotonic()
    db = ledger.Database.open("sqlite", url)
    try:
        records = ledger.Records(jobs, end=datetime.now(timezone.utc) - timedelta(minutes=5),
                                 seed=SEED)
        made: list[tuple[str, str, datetime]] = []
        # The next batch is built in a thread while the database takes this one.
        with ThreadPoolExecutor(1) as builder:
            pending = builder.submit(records.batch, min(ledger.BULK, jobs))
            while pending is not None:
                batch = pending.result()
                queued = len(made) + len(batch)
                pending = (builder.submit(records.batch, min(ledger.BULK, jobs - queued))
                           if queued < jobs else None)
                ledger.bulk_insert(db, batch)
                made += [(r.job_id, r.job.generator if r.job else "", r.events[0].at)
                         for r in batch]
                progress(f"  filled {len(made):,} of {jobs:,} jobs "
                         f"({time.monotonic() - begun:.0f} s)")
        seeded = Seeded(url, jobs, {"": [], "awaiting_review": [], "approved": [],
                                    "rejected": []}, {}, records.searches.common)
        add_reviews(db.ledger.engine, made, seeded)
        db.ledger.save_user(USER, "reviewer", passwords.hash_password(PASSWORD))
    finally:
        db.ledger.close()
    seeded.fill_s = time.monotonic() - begun
    return seeded


def add_reviews(engine: Engine, made: list[tuple[str, str, datetime]], seeded: Seeded
                ) -> None:
    """Reviews for a random fifth of the jobs, as decisions would have left them (setup:
    rows straight into ``reviews``, ``events`` and ``jobs.review``)."""
    rng = random.Random(SEED + 1)
    reviews, decisions, marked = [], [], []
    for job_id, generator, created in made:
        if rng.random() >= REVIEWED_SHARE:
            seeded.by_review[""].append(job_id)
            continue
        marked.append({"id": job_id})
        if rng.random() < AWAITING_SHARE:
            seeded.by_review["awaiting_review"].append(job_id)
            seeded.awaiting_by_generator[generator] = (
                seeded.awaiting_by_generator.get(generator, 0) + 1)
            reviews.append({"job_id": job_id, "mode": "required", "state": "awaiting_review",
                            "version": 0, "revision": 0, "created_at": created})
            continue
        state = "approved" if rng.random() < APPROVED_OF_DECIDED else "rejected"
        seeded.by_review[state].append(job_id)
        at = created + timedelta(hours=rng.uniform(0.2, 30.0))
        reason = "the figures do not match the facts given" if state == "rejected" else None
        reviews.append({"job_id": job_id, "mode": "required", "state": state, "version": 1,
                        "revision": 0, "decided_by": USER, "decided_at": at, "reason": reason,
                        "created_at": created})
        detail = {"by": USER, "version": 1} | ({"reason": reason} if reason else {})
        decisions.append({"key": f"{job_id}:review-1", "job_id": job_id, "kind": state,
                          "at": at, "detail": detail})
    with engine.begin() as connection:
        # Decided and open reviews have different columns: one executemany each.
        for rows in ([r for r in reviews if r["version"] == 0],
                     [r for r in reviews if r["version"] == 1]):
            if rows:
                connection.execute(insert(schema.reviews), rows)
        if decisions:
            connection.execute(insert(schema.events), decisions)
        if marked:
            connection.execute(update(schema.jobs).where(schema.jobs.c.job_id
                                                         == bindparam("id"))
                               .values(review="required"), marked)


def decide_every_open_review(engine: Engine) -> int:
    """Approve every review awaiting one, as reviewers who caught up would have (setup,
    straight into ``reviews``); how many."""
    with engine.begin() as connection:
        return connection.execute(
            update(schema.reviews).where(schema.reviews.c.state == "awaiting_review")
            .values(state="approved", version=schema.reviews.c.version + 1, decided_by=USER,
                    decided_at=datetime.now(timezone.utc))).rowcount


def count_awaiting_with_word(engine: Engine, word: str) -> int:
    """Jobs awaiting review whose result holds ``word`` (what the search page selects)."""
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(
            "SELECT count(*) FROM reviews JOIN results ON results.job_id = reviews.job_id "
            "WHERE reviews.state = 'awaiting_review' AND results.rowid IN "
            "(SELECT rowid FROM results_fts WHERE results_fts MATCH ?)",
            (f'"{word}"',)).scalar_one())


# -- the server -----------------------------------------------------------------------------

def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value))  # a TOML basic string


def write_config(path: Path, redis_url: str, ledger_url: str, port: int) -> Path:
    """The aigc.toml ``aigc serve`` runs with: the private Redis and ledger, one API key for
    the JSON baseline, plain-http cookies (the client is not a browser on a secure origin)."""
    tables: dict[str, dict[str, Any]] = {
        "queue": {"redis_url": redis_url},
        "ledger": {"url": ledger_url},
        "gateway": {"host": HOST, "port": port, "console_secure_cookie": False},
        "gateway.api_keys.bench": {"sha256": hash_key(API_KEY), "see_all_jobs": True,
                                   "rate_limit": 10_000_000},
    }
    text = "".join(f"[{name}]\n" + "".join(f"{key} = {_toml(value)}\n"
                                           for key, value in table.items()) + "\n"
                   for name, table in tables.items())
    path.write_text(text, encoding="utf-8")
    return path


def serve(fleet: Fleet, config: Path, port: int) -> tuple[str, Process]:
    """``aigc serve`` with ``config``, ready (``/readyz`` answers 200)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGC_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    process = fleet.spawn("console-gateway", [
        sys.executable, "-m", "aigc_core.cli", "--config", str(config), "serve",
        "--host", HOST, "--port", str(port), "--log-level", "warning"], env=env)
    url = f"http://{HOST}:{port}"

    def ready() -> bool:
        if not process.alive():
            raise RuntimeError(f"aigc serve exited:\n{process.tail()}")
        try:
            return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(ready, 90, "aigc serve")
    except TimeoutError as exc:
        raise TimeoutError(f"{exc}\n{process.tail()}") from None
    return url, process


def logged_in(url: str) -> httpx.Client:
    """A client with a console session, logged in through the form as a browser does."""
    client = httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S)
    try:
        return _log_in(client)
    except BaseException:
        client.close()
        raise


def _log_in(client: httpx.Client) -> httpx.Client:
    form = client.get("/ui/login")
    form.raise_for_status()
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    if found is None:
        raise RuntimeError(f"no CSRF token in the login form:\n{form.text[:2000]}")
    answer = client.post("/ui/login", data={"csrf": found.group(1), "name": USER,
                                            "password": PASSWORD, "next": "/ui/"})
    if answer.status_code != 303:
        raise RuntimeError(f"login refused ({answer.status_code}):\n{answer.text[:2000]}")
    return client


# -- the pages ------------------------------------------------------------------------------

@dataclass
class Page:
    """One kind of request: its key and name, the URL of its ``i``-th request, what it must
    answer."""

    key: str
    name: str
    kind: str  # "baseline", "queue", "job", "dashboard"
    url: Callable[[int], str]
    repetitions: int
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    #: Jobs its filter selects (queue pages), for the table.
    matching: int | str = ""
    seconds: list[float] = field(default_factory=list)
    cold_s: float = 0.0
    sizes: list[int] = field(default_factory=list)
    #: Jobs listed on the page (queue pages: the rows of its table).
    rows: int | str = ""


def pages(seeded: Seeded, plan: Plan, cursor: str, with_word: int) -> list[Page]:
    rng = random.Random(SEED + 2)
    awaiting, never = seeded.by_review["awaiting_review"], seeded.by_review[""]
    decided = seeded.by_review["approved"] + seeded.by_review["rejected"]
    everyone = [job_id for ids in seeded.by_review.values() for job_id in ids]

    def pick(ids: list[str]) -> Callable[[int], str]:
        chosen = [rng.choice(ids) for _ in range(plan.repetitions + 1)]
        return lambda i: chosen[i % len(chosen)]

    any_job, awaiting_job, decided_job, plain_job = (pick(everyone), pick(awaiting),
                                                     pick(decided), pick(never))
    word, generator = seeded.common_word, ledger.FILTER_GENERATOR
    count, reps, board = len(awaiting), plan.repetitions, plan.dashboard_repetitions
    auth = {"Authorization": f"Bearer {API_KEY}"}
    return [
        Page("healthz", "baseline: GET /healthz", "baseline", lambda i: "/healthz", reps),
        Page("api-job", "baseline: GET /v1/jobs/{id}/history (API, JSON; random jobs)",
             "baseline", lambda i: f"/v1/jobs/{any_job(i)}/history", reps, headers=auth),
        Page("queue", "queue: awaiting review (the default)", "queue", lambda i: "/ui/",
             reps, matching=count),
        Page("queue-generator", f"queue: awaiting review, generator {generator}", "queue",
             lambda i: f"/ui/?generator={generator}", reps,
             matching=seeded.awaiting_by_generator.get(generator, 0)),
        Page("queue-search", f"queue: awaiting review, search common word {word!r}",
             "queue", lambda i: f"/ui/?q={word}", reps, matching=with_word),
        Page("queue-cursor", f"queue: awaiting review, page {CURSOR_PAGE} (cursor)", "queue",
             lambda i: f"/ui/?cursor={cursor}", reps,
             matching=max(0, count - (CURSOR_PAGE - 1) * PAGE)),
        Page("queue-approved", "queue: approved", "queue", lambda i: "/ui/?state=approved",
             reps, matching=len(seeded.by_review["approved"])),
        Page("queue-unreviewed", "queue: unreviewed (none are: reads every job)", "queue",
             lambda i: "/ui/?state=unreviewed", reps, matching=0),
        Page("next", "queue: /ui/next (303 to the newest awaiting review)", "queue",
             lambda i: "/ui/next", reps, status=303, matching=count),
        Page("job-awaiting", "job page: awaiting review (random jobs)", "job",
             lambda i: f"/ui/jobs/{awaiting_job(i)}", reps),
        Page("job-decided", "job page: approved or rejected (random jobs)", "job",
             lambda i: f"/ui/jobs/{decided_job(i)}", reps),
        Page("job-plain", "job page: never under review (random jobs)", "job",
             lambda i: f"/ui/jobs/{plain_job(i)}", reps),
        Page("dashboard", "dashboard: 14 days (the default)", "dashboard",
             lambda i: "/ui/dashboard", board),
        Page("dashboard-90", "dashboard: 90 days (the most)", "dashboard",
             lambda i: "/ui/dashboard?days=90", board),
    ]


def caught_up(plan: Plan) -> tuple[list[Page], list[Call]]:
    """The default queue and ``/ui/next`` once no review is left awaiting: the state
    reviewers work towards; and the ledger calls behind them."""
    reps = max(2, plan.repetitions // 2)
    found = Filters(review="awaiting_review", limit=PAGE)
    first = Filters(review="awaiting_review", limit=2)
    return ([Page("queue-none-left", "queue: awaiting review, none left (all decided)",
                  "queue", lambda i: "/ui/", reps, matching=0),
             Page("next-none-left", "queue: /ui/next, none left (303 to the queue)", "queue",
                  lambda i: "/ui/next", reps, status=303, matching=0)],
            [Call("Ledger.list: awaiting review, none left", "queue-none-left",
                  lambda db, _i: db.list(found)),
             Call("Ledger.list: awaiting review, -n 2, none left", "next-none-left",
                  lambda db, _i: db.list(first))])


def ask(client: httpx.Client, page: Page, index: int) -> tuple[float, httpx.Response]:
    begun = time.perf_counter()
    response = client.get(page.url(index), headers=page.headers)
    seconds = time.perf_counter() - begun
    if response.status_code != page.status:
        raise RuntimeError(f"{page.name}: {page.url(index)} answered {response.status_code}, "
                           f"not {page.status}:\n{response.text[:2000]}")
    if page.kind == "job" and page.url(index).rsplit("/", 1)[-1] not in response.text:
        raise RuntimeError(f"{page.name}: {page.url(index)} does not show its job")
    return seconds, response


def listed(response: httpx.Response) -> int | str:
    """Jobs a queue page lists (the rows of its table); "" for other pages."""
    if "<table class=\"queue\">" in response.text or "class=\"empty\"" in response.text:
        return response.text.count('<tr data-href="/ui/jobs/')
    return ""


def time_sequential(client: httpx.Client, measured: list[Page], budget_s: float) -> None:
    """One untimed warm-up request per page, then every page in turn, one request at a time,
    until each has its repetitions or has spent ``budget_s`` seconds."""
    for page in measured:
        page.cold_s, response = ask(client, page, 0)
        page.rows = listed(response)
    spent = dict.fromkeys(range(len(measured)), 0.0)
    for index in range(max(page.repetitions for page in measured)):
        for number, page in enumerate(measured):
            if index >= page.repetitions or spent[number] > budget_s:
                continue
            seconds, response = ask(client, page, index + 1)
            page.seconds.append(seconds)
            page.sizes.append(len(response.content))
            spent[number] += seconds


@dataclass
class Concurrent:
    name: str
    page: Page
    seconds: list[float] = field(default_factory=list)
    wall_s: float = 0.0


def time_concurrent(clients: list[httpx.Client], page: Page, requests: int) -> Concurrent:
    """``len(clients)`` clients at once, each ``requests`` requests of ``page`` in a row."""
    measured = Concurrent(f"{len(clients)} clients at once: {page.name}", page)
    lock = threading.Lock()
    start = threading.Barrier(len(clients))

    def work(number: int, client: httpx.Client) -> None:
        start.wait(30)
        for index in range(requests):
            seconds, _ = ask(client, page, number * requests + index)
            with lock:
                measured.seconds.append(seconds)

    begun = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        for done in [pool.submit(work, n, c) for n, c in enumerate(clients)]:
            done.result()
    measured.wall_s = time.perf_counter() - begun
    return measured


# -- the ledger calls behind the pages ------------------------------------------------------

@dataclass
class Call:
    """One ledger call a page makes, timed in this process."""

    name: str
    page: str
    run: Callable[[Ledger, int], Any]
    seconds: list[float] = field(default_factory=list)
    #: The slowest statement of these calls, its seconds (sent to its first row: SQLite
    #: fetches the rest as they are read) and its plan.
    statement: str = ""
    statement_s: float = 0.0
    plan: str = ""


@contextlib.contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[str, Any, float]]]:
    """Every statement the engine sends meanwhile: ``(sql, parameters, seconds)``."""
    sent: list[tuple[str, Any, float]] = []
    began: list[float] = []

    def before(*_args: Any) -> None:
        began.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append((statement, parameters, time.perf_counter() - began.pop()))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def calls(seeded: Seeded, cursor: str) -> list[Call]:
    """The ledger calls behind the pages (gateway/console/queue.py and job.py), each with
    its page's key."""
    rng = random.Random(SEED + 3)
    today = datetime.now(timezone.utc).date()

    def since(days: int) -> datetime:
        return datetime.combine(today - timedelta(days=days - 1), datetime.min.time(),
                                tzinfo=timezone.utc)

    def show(ids: list[str]) -> Callable[[Ledger, int], Any]:
        chosen = [rng.choice(ids) for _ in range(64)]
        return lambda db, i: db.show(chosen[i % len(chosen)])

    def listing(**filters: Any) -> Callable[[Ledger, int], Any]:
        made = Filters(review=filters.pop("review", "awaiting_review"),
                       limit=filters.pop("limit", PAGE), **filters)
        return lambda db, _i: db.list(made)

    gen, word = ledger.FILTER_GENERATOR, seeded.common_word
    decided = seeded.by_review["approved"] + seeded.by_review["rejected"]
    return [
        Call("Ledger.list: awaiting review", "queue", listing()),
        Call(f"Ledger.list: awaiting review, generator {gen}", "queue-generator",
             listing(generator=gen)),
        Call(f"Ledger.list: awaiting review, search {word!r}", "queue-search",
             listing(search=word)),
        Call(f"Ledger.list: awaiting review, page {CURSOR_PAGE}", "queue-cursor",
             listing(before=decode_cursor(cursor))),
        Call("Ledger.list: approved", "queue-approved", listing(review="approved")),
        Call("Ledger.list: unreviewed", "queue-unreviewed", listing(review="unreviewed")),
        Call("Ledger.list: awaiting review, -n 2 (/ui/next)", "next", listing(limit=2)),
        Call("Ledger.show: awaiting review", "job-awaiting",
             show(seeded.by_review["awaiting_review"])),
        Call("Ledger.show: approved or rejected", "job-decided", show(decided)),
        Call("Ledger.show: never under review", "job-plain", show(seeded.by_review[""])),
        Call("Ledger.stats: 14 days", "dashboard", lambda db, _i: db.stats(since(14))),
        Call("Ledger.stats: 90 days", "dashboard-90", lambda db, _i: db.stats(since(90))),
    ]


def time_calls(db: Ledger, measured: list[Call], repetitions: int) -> None:
    """Each call ``repetitions`` times, in turn, after one untimed call; then the plan of
    its slowest statement."""
    for call in measured:
        call.run(db, 0)
    for index in range(repetitions):
        for call in measured:
            with statements(db.engine) as sent:
                begun = time.perf_counter()
                call.run(db, index + 1)
                call.seconds.append(time.perf_counter() - begun)
            statement, parameters, seconds = max(sent, key=lambda s: s[2])
            if seconds >= call.statement_s:
                call.statement, call.statement_s = statement, seconds
                call.plan = ledger.explain(db.engine, statement, parameters, analyze=False)


# -- the run --------------------------------------------------------------------------------

#: The order of the table's rows.
KINDS = ("baseline", "queue", "job", "dashboard")
COLUMNS = ["what", "requests", "matching", "rows", "KB", "p50 ms", "p95 ms", "max ms",
           "p95 / healthz p50", "p95 / API job p50", "req/s"]


def say(line: str) -> None:
    print(line, flush=True)


def ms(values: list[float], q: float) -> float:
    return percentile(values, q) * 1000


def measure(fleet: Fleet, redis_url: str, plan: Plan, report: Report,
            progress: Callable[[str], None] = say) -> None:
    """Fill a ledger in ``fleet.workdir``, serve it, and time the console's pages."""
    path = fleet.workdir / "console-bench.db"
    try:
        progress(f"  filling a SQLite ledger with {plan.jobs:,} jobs")
        seeded = seed_ledger(path, plan.jobs, progress)
        progress(f"  filled in {seeded.fill_s:.0f} s")
        with Ledger.open(LedgerSettings(url=seeded.url)) as db:
            tenth = db.list(Filters(review="awaiting_review",
                                    limit=(CURSOR_PAGE - 1) * PAGE))
            cursor = encode_cursor(tenth[-1])
            with_word = count_awaiting_with_word(db.engine, seeded.common_word)
        port = free_port()
        config = write_config(fleet.workdir / "console-aigc.toml", redis_url, seeded.url, port)
        url, server = serve(fleet, config, port)
        try:
            measured = pages(seeded, plan, cursor, with_word)
            progress(f"  {sum(p.repetitions for p in measured):,} requests, one at a time")
            client = logged_in(url)
            try:
                time_sequential(client, measured, plan.page_budget_s)
                progress(f"  {CLIENTS} clients at once")
                together = concurrent_pass(client, url, measured, plan)
                progress("  the ledger calls behind the pages, in this process")
                behind = calls(seeded, cursor)
                with Ledger.open(LedgerSettings(url=seeded.url)) as db:
                    time_calls(db, behind, plan.ledger_repetitions)
                    seeded.caught_up = decide_every_open_review(db.engine)
                    progress(f"  every open review decided ({seeded.caught_up:,}): the "
                             "default queue and /ui/next again")
                    empty, empty_calls = caught_up(plan)
                    time_sequential(client, empty, plan.page_budget_s)
                    time_calls(db, empty_calls, plan.ledger_repetitions)
            finally:
                client.close()
        finally:
            fleet.stop(server)
        tabulate(report, seeded, plan, measured + empty, together, behind + empty_calls)
    finally:
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink(missing_ok=True)


def concurrent_pass(client: httpx.Client, url: str, measured: list[Page], plan: Plan
                    ) -> list[Concurrent]:
    """The baseline, the default queue, a job page and the dashboard, ``CLIENTS`` at once,
    each client with its own connection and the same session."""
    by_key = {page.key: page for page in measured}
    chosen = [by_key[key] for key in ("healthz", "queue", "job-awaiting", "dashboard")]
    clients = [httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S, cookies=client.cookies)
               for _ in range(CLIENTS)]
    try:
        return [time_concurrent(clients, page, plan.concurrent_requests
                                if page.kind != "dashboard"
                                else max(2, plan.concurrent_requests // 5))
                for page in chosen]
    finally:
        for each in clients:
            each.close()


def tabulate(report: Report, seeded: Seeded, plan: Plan, measured: list[Page],
             together: list[Concurrent], behind: list[Call]) -> None:
    by_key = {page.key: page for page in measured}
    healthz, api = ms(by_key["healthz"].seconds, 50), ms(by_key["api-job"].seconds, 50)
    measured = sorted(measured, key=lambda page: KINDS.index(page.kind))
    for page in measured:
        p95 = ms(page.seconds, 95)
        report.rows.append({
            "what": page.name, "requests": len(page.seconds), "matching": page.matching,
            "rows": page.rows,
            "KB": sum(page.sizes) / len(page.sizes) / 1024 if page.sizes else 0.0,
            "p50 ms": ms(page.seconds, 50), "p95 ms": p95,
            "max ms": max(page.seconds, default=0.0) * 1000,
            "p95 / healthz p50": p95 / healthz if healthz else 0.0,
            "p95 / API job p50": p95 / api if api else 0.0})
    for run in together:
        p95 = ms(run.seconds, 95)
        report.rows.append({
            "what": run.name, "requests": len(run.seconds), "p50 ms": ms(run.seconds, 50),
            "p95 ms": p95, "max ms": max(run.seconds, default=0.0) * 1000,
            "p95 / healthz p50": p95 / healthz if healthz else 0.0,
            "p95 / API job p50": p95 / api if api else 0.0,
            "req/s": len(run.seconds) / run.wall_s if run.wall_s else 0.0})
    for call in behind:
        report.rows.append({
            "what": f"in-process {call.name}", "requests": len(call.seconds),
            "p50 ms": ms(call.seconds, 50), "p95 ms": ms(call.seconds, 95),
            "max ms": max(call.seconds, default=0.0) * 1000})

    size = f"{seeded.jobs:,} jobs"
    limits = {"queue": PAGE_P95_MS, "job": PAGE_P95_MS, "dashboard": DASHBOARD_P95_MS}
    printed: set[tuple[str, str]] = set()
    for kind, what in (("queue", "queue pages (and /ui/next)"), ("job", "job pages"),
                       ("dashboard", "dashboard")):
        group = [page for page in measured if page.kind == kind]
        slowest = max(group, key=lambda page: ms(page.seconds, 95))
        missed = [page.name for page in group if ms(page.seconds, 95) > limits[kind]]
        note = f"slowest: {slowest.name}"
        if missed:
            note += f"; over {limits[kind]:g} ms: {len(missed)} of {len(group)}"
        report.targets.append(Target(f"{what}: slowest p95 ms over {size}",
                                     ms(slowest.seconds, 95), limits[kind], False, note=note))
        for page in group:
            if ms(page.seconds, 95) <= limits[kind]:
                continue
            for call in behind:
                if call.page != page.key:
                    continue
                shown = (call.statement, call.plan) in printed
                printed.add((call.statement, call.plan))
                report.notes.append(
                    f"MISSED {page.name}: p95 {ms(page.seconds, 95):.0f} ms; behind it "
                    f"{call.name} takes {ms(call.seconds, 50):.0f} ms p50 in-process; its "
                    f"slowest statement, {call.statement_s * 1000:.0f} ms to its first row"
                    + (": the same statement and plan as above" if shown else
                       f":\n{call.statement}\nits plan:\n{call.plan}"))
    report.notes += [
        f"the ledger: SQLite (WAL, never ANALYZEd, as aigc leaves it), {seeded.jobs:,} jobs "
        f"over 180 days; under review: {len(seeded.by_review['awaiting_review']):,} awaiting, "
        f"{len(seeded.by_review['approved']):,} approved, "
        f"{len(seeded.by_review['rejected']):,} rejected, none unreviewed; filled in "
        f"{seeded.fill_s:.0f} s (setup). The rows 'none left' come last: every review "
        f"awaiting one ({seeded.caught_up:,}) then approved at once, as when reviewers have "
        "caught up",
        "one request at a time over one keep-alive connection, the pages in turn, after one "
        "untimed warm-up request each (its time is in the JSON: cold_ms); matching: jobs the "
        "filter selects, rows: jobs the page lists (25 a page); KB: the answer's body",
        f"{CLIENTS} clients at once: threads of this process, each with its own connection, "
        "all on the same two cores as the server; req/s over the pass's wall time",
        "in-process rows: the ledger call behind a page, timed in this process on the same "
        "file (the server idle), after one untimed call; the page's time over it is the "
        "session lookup (Redis), the template and HTTP",
    ]
    report.params.update({
        "fill_seconds": seeded.fill_s, "common_word": seeded.common_word,
        "caught_up": seeded.caught_up,
        "reviews": {state or "none": len(ids) for state, ids in seeded.by_review.items()},
        "pages": {page.name: {"url": page.url(0), "seconds": page.seconds,
                              "cold_ms": page.cold_s * 1000} for page in measured},
        "concurrent": {run.name: {"seconds": run.seconds, "wall_s": run.wall_s}
                       for run in together},
        "ledger_calls": {call.name: {"page": call.page, "seconds": call.seconds,
                                     "slowest_statement": call.statement,
                                     "slowest_statement_s": call.statement_s,
                                     "plan": call.plan} for call in behind},
    })


def new_report(plan: Plan) -> Report:
    return Report(
        "console", f"10. The review console: page times over {plan.jobs:,} jobs "
                   "(aigc serve, SQLite ledger, HTTP on loopback)", COLUMNS,
        params={"jobs": plan.jobs, "repetitions": plan.repetitions,
                "dashboard_repetitions": plan.dashboard_repetitions,
                "concurrent_requests": plan.concurrent_requests, "clients": CLIENTS,
                "ledger_repetitions": plan.ledger_repetitions,
                "page_budget_s": plan.page_budget_s, "seed": SEED,
                "reviewed_share": REVIEWED_SHARE})


def run(ctx: Context, plan: Plan | None = None) -> Report:
    plan = plan or (QUICK if ctx.quick else FULL)
    report = new_report(plan)
    redis = ctx.fleet.redis("redis-console")
    try:
        measure(ctx.fleet, redis.url, plan, report)
    finally:
        redis.client.close()
    return report
