"""9. The ledger: how fast its writer records jobs, and how fast ``aigc logs`` answers over a
million recorded results, on SQLite (a file) and on PostgreSQL (a private server), each
created with ``database.upgrade`` as ``aigc ledger upgrade`` does.

Records are realistic and reproducible (seeded): a queued job with an input of about 300
characters, its result (95% succeeded, 5% failed with problems and an error) whose output is
200-400 words of sentences drawn from a Zipf-distributed vocabulary (the 150 most common
English words, then 50,000 made-up words ranked after them), so that full-text search meets
a realistic spread of word frequencies; provenance, an AI label, and three events (queued,
started, finished). Eight generators of four plugins, five submitters, created one after
another over 180 days.

1. Writer. ``Ledger.record`` is given batches of 1,000 records, and those batches fill the
   database to N results, so its rate is measured at every size on the way: the first ten
   batches (an empty ledger), the last ten (N results) and the whole fill. Baselines in the
   same run: building the batches alone (no database) and recording a batch that is there
   already (nothing new). Then the outbox path: jobs registered, started and finished by the
   real ``Store`` scripts (register_job, begin_delivery, finish_job) on a private
   redis-server, three stream entries per job, drained by ``OutboxWriter.drain`` into the
   full ledger; its baseline is reading and parsing the same entries without a database.
2. Queries. ``Ledger.list`` (``-n 20``) over the N results: no filter, a generator (10% of
   jobs), a state (failed: 5%; unfinished: none, the worst case), a one-week range, and
   full-text search for a common word (in about half the results), a rare one (in about
   0.1%) and two words (each in about 10%). Each runs REPETITIONS times: p50 and max (the
   first run is the coldest). Baseline: ``Ledger.show`` of one job (primary-key reads).
   Every query's plan (EXPLAIN QUERY PLAN; PostgreSQL EXPLAIN, with ANALYZE and BUFFERS for
   a query slower than 1 s) is saved in the JSON; a slow query's plan is printed as a note.

N is 1,000,000 (20,000 with --quick). Filling stops at FILL_BUDGET_S seconds of writing per
database: N is then what was recorded by then, and the table and notes say so. PostgreSQL
runs with its production durability (fsync and full_page_writes on), not the test server's
fast settings; it is ANALYZEd after the fill (what autovacuum does on its own in a while).
SQLite is queried as aigc leaves it: nobody runs ANALYZE there.

Targets (the ledger issue): the writer >= 5,000 records/s (batches of 1,000) and the outbox
writer >= 5,000 records/s (an outbox entry is one record); every query < 1 s at N = 1,000,000.
"""

from __future__ import annotations

import bisect
import contextlib
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from redis import Redis
from sqlalchemy import Engine, event

from aigc_core import Job, Result
from aigc_core.jobs import ErrorInfo, Provenance, TemplateRef, Timings, Usage
from aigc_core.ledger import (
    Filters,
    Ledger,
    LedgerEvent,
    LedgerRecord,
    LedgerSettings,
    database,
    schema,
    search,
    writer,
)
from aigc_core.options import GenerationOptions
from aigc_core.problems import Problem
from aigc_workers.ledger_sync import OutboxWriter, record_of
from aigc_workers.settings import QueueSettings
from aigc_workers.store import Store

from .context import Context
from .report import Report, Target, percentile

SEED = 20_261_205
#: Records per ``Ledger.record`` call: what ``aigc ledger-sync`` writes per transaction.
BATCH = 1_000
#: The writer's and the outbox writer's rate (records/s), and each query's p50 (s).
WRITER_RATE = 5_000.0
QUERY_S = 1.0
#: Batches at each end of the fill whose rate the table shows.
EDGE_BATCHES = 10
#: Production durability for the benchmark's PostgreSQL (the test server turns these off).
POSTGRES_SETTINGS = {"fsync": "on", "full_page_writes": "on"}
SPAN = timedelta(days=180)
#: The range query's window, as a share of the timeline (one week of 180 days).
WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Plan:
    """How big one run is."""

    results: int
    outbox_jobs: int
    repetitions: int
    #: Seconds of filling per database after which the fill stops (N is then smaller).
    fill_budget_s: float
    databases: tuple[str, ...] = ("sqlite", "postgresql")


FULL = Plan(results=1_000_000, outbox_jobs=10_000, repetitions=5, fill_budget_s=900.0)
QUICK = Plan(results=20_000, outbox_jobs=3_000, repetitions=3, fill_budget_s=300.0)

# -- the records --------------------------------------------------------------------------

def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: The most common English words, most frequent first: the head of the vocabulary.
COMMON = _words("""
    the of and to a in is it you that he was for on are with as his they be at one have this
    from or had by hot word but what some we can out other were all there when up use your
    how said an each she which do their time if will way about many then them write would
    like so these her long make thing see him two has look more day could go come did number
    sound no most people my over know water than call first who may down side been now find
    any new work part take get place made live where after back little only round man year
    came show every good me give our under name very through just form sentence great think
    say help low line differ turn cause much mean before move right boy old too same tell
    does set three want air well also play small end put home read hand port large spell add
    even land here must big high such follow act why ask men change went light kind off need
    house picture try us again animal point mother world near build self earth father head
    stand own page should country found answer school grow study still learn plant cover
    food sun four between state keep eye never last let thought city tree cross farm hard
    start might story saw far sea draw left late run while press close night real life few
    north open seem together next white children begin got walk example ease paper group
    always music those both mark often letter until mile river car feet care second book
    carry took science eat room friend began idea fish mountain stop once base hear horse
    cut sure watch color face wood main enough plain girl usual young ready above ever red
    list though feel talk bird soon body dog family direct pose leave song measure door
    product black short numeral class wind question happen complete ship area half rock
    order fire south problem piece told knew pass since top whole king space""")
_ONSETS = _words("b bl br c ch cr d dr f fl fr g gr h j k l m n p pl pr r s sh st t th tr v w y z")
_VOWELS = _words("a e i o u ai ea ee oa oo ou")
_CODAS = ("", "", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "ng", "sh")
#: Made-up words ranked after ``COMMON``: the long tail that rare searches hit.
TAIL_WORDS = 50_000
#: Zipf's exponent: word r's frequency is proportional to 1 / r**ZIPF.
ZIPF = 1.0
#: Words drawn once per run, as sentences; a document is a run of consecutive sentences
#: from a random place in them (drawing each word anew would cost more than writing it).
STREAM_WORDS = 6_000_000
#: Sentence lengths in words.
SENTENCE = (6, 20)

#: ``(generator, plugin, share of jobs, structured output)``.
GENERATORS: tuple[tuple[str, str, float, bool], ...] = (
    ("news.article", "news", 0.25, True),
    ("news.headlines", "news", 0.15, True),
    ("news.summary", "news", 0.15, False),
    ("translation.translate", "translation", 0.20, True),
    ("ads.copy", "ads", 0.10, False),
    ("education.quiz", "education", 0.06, True),
    ("education.flashcards", "education", 0.06, True),
    ("education.lesson_plan", "education", 0.03, True),
)
SUBMITTERS = ("newsroom", "translations", "marketing", "school-portal", "batch-import")
FAILED_SHARE = 0.05
LABELLED_SHARE = 0.9
#: The generator the listing filters by.
FILTER_GENERATOR = "ads.copy"
#: Words per output (uniform), and the expected share of outputs holding each searched word.
LENGTH = (200, 400)
COMMON_SHARE = 0.5
PAIR_SHARE = 0.1


def vocabulary(rng: random.Random) -> list[str]:
    """``COMMON`` then ``TAIL_WORDS`` made-up words of one to three syllables, distinct."""
    words = list(dict.fromkeys(COMMON))
    seen = set(words)
    while len(words) < len(COMMON) + TAIL_WORDS:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                       for _ in range(rng.choice((1, 2, 2, 2, 3, 3))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class Corpus:
    """Sentences of words drawn with Zipf's frequencies from the vocabulary, and the words
    the searches look for: a common one (in about half the outputs), two in about a tenth
    each, and a rare one (the least frequent word drawn at least twice)."""

    def __init__(self, rng: random.Random, stream_words: int):
        self.rng = rng
        self.words = vocabulary(rng)
        weights = [1.0 / (rank ** ZIPF) for rank in range(1, len(self.words) + 1)]
        total = sum(weights)
        self.probability = [w / total for w in weights]
        stream = rng.choices(self.words, weights=weights, k=stream_words)
        mean = sum(LENGTH) / 2
        [self.common] = self.words_near(COMMON_SHARE, mean, range(30, len(COMMON)))
        self.pair = tuple(self.words_near(PAIR_SHARE, mean, range(len(COMMON),
                                                                  len(self.words)), 2))
        counts = Counter(stream)
        self.rare = next(word for word in reversed(self.words) if counts[word] >= 2)
        flags = {self.common: 1, self.pair[0]: 2, self.pair[1]: 4, self.rare: 8}
        #: Sentences, their lengths in words, and which searched words each holds (bits).
        self.sentences: list[str] = []
        self.lengths: list[int] = []
        self.flags: list[int] = []
        index = 0
        while index < len(stream):
            size = rng.randint(*SENTENCE)
            chunk = stream[index:index + size]
            index += size
            self.sentences.append(" ".join([chunk[0].capitalize(), *chunk[1:]]) + ".")
            self.lengths.append(len(chunk))
            mask = 0
            for word in chunk:
                mask |= flags.get(word, 0)
            self.flags.append(mask)

    def share_of_documents(self, rank: int, length: float) -> float:
        """The expected share of ``length``-word documents holding the word of ``rank``."""
        return 1.0 - (1.0 - self.probability[rank]) ** length

    def words_near(self, share: float, length: float, among: range, count: int = 1
                   ) -> list[str]:
        """The ``count`` words of ranks ``among`` whose expected share of documents is
        nearest ``share``."""
        ranks = sorted(among, key=lambda r: abs(self.share_of_documents(r, length) - share))
        return [self.words[rank] for rank in ranks[:count]]

    def passage(self, words: int) -> tuple[list[str], int]:
        """Consecutive sentences from a random place, ``words`` words or a few more; and
        the searched words they hold (bits)."""
        first = self.rng.randrange(len(self.sentences))
        out: list[str] = []
        mask = total = 0
        index = first
        while total < words:
            out.append(self.sentences[index])
            total += self.lengths[index]
            mask |= self.flags[index]
            index = (index + 1) % len(self.sentences)
        return out, mask


@dataclass
class Searches:
    """The words the search queries look for, and how many outputs hold each query's."""

    common: str
    rare: str
    pair: tuple[str, str]
    matches: dict[str, int] = field(default_factory=lambda: {"common": 0, "rare": 0,
                                                              "pair": 0})

    def count(self, mask: int) -> None:
        self.matches["common"] += mask & 1
        self.matches["pair"] += (mask & 6) == 6
        self.matches["rare"] += (mask & 8) >> 3


class Records:
    """The benchmark's records, the same in every database and every run (seeded): record
    ``i`` of a fill of ``planned`` is created at ``start + i * SPAN / planned``."""

    def __init__(self, planned: int, end: datetime, seed: int = SEED):
        self.rng = random.Random(seed)
        self.corpus = Corpus(self.rng, min(STREAM_WORDS, max(100_000, planned * 300)))
        self.planned = planned
        self.start = end - SPAN
        self.step = SPAN / planned
        self.made = 0
        self.generators = [g[0] for g in GENERATORS]
        self._generator_cum = list(_cumulative([g[2] for g in GENERATORS]))
        self._details = {g[0]: g for g in GENERATORS}
        self.by_generator: dict[str, int] = dict.fromkeys(self.generators, 0)
        self.failed = 0
        self.searches = Searches(self.corpus.common, self.corpus.rare, self.corpus.pair)
        #: Every 1,000th job id: what ``Ledger.show`` reads.
        self.job_ids: list[str] = []

    def at(self, index: int) -> datetime:
        return self.start + self.step * index

    def batch(self, count: int) -> list[LedgerRecord]:
        return [self.record() for _ in range(count)]

    def record(self, created: datetime | None = None, count: bool = True) -> LedgerRecord:
        """The next record; ``count``: it goes into the ledger the queries read."""
        rng, corpus = self.rng, self.corpus
        index = self.made
        self.made += 1
        created = created or self.at(index)
        generator = self.generators[bisect.bisect(self._generator_cum,
                                                  rng.random() * self._generator_cum[-1])]
        _, plugin, _, structured = self._details[generator]
        job_id = f"{rng.getrandbits(128):032x}"
        prompt = " ".join(corpus.passage(60)[0])[:300]
        # Built without validation (model_construct) where the values are known to be valid:
        # validating a job's input costs more than the rest of the record; the tests validate
        # a sample, and the outbox path parses every job and result again.
        job = Job.model_construct(
            id=job_id, generator=generator, model="default",
            input={"text": prompt, "count": 1 + index % 5, "audience": "general"},
            options=GenerationOptions(temperature=0.7, max_tokens=1024),
            idempotency_key=f"import-{job_id[:12]}" if index % 10 == 3 else None,
            metadata={"batch": f"b{index // 5000}"})
        sentences, mask = corpus.passage(rng.randint(*LENGTH))
        failed = rng.random() < FAILED_SHARE
        if count:
            self.by_generator[generator] += 1
            self.searches.count(mask)
            self.failed += failed
            if index % 1000 == 0:
                self.job_ids.append(job_id)
        title, body = sentences[0][:-1], " ".join(sentences[1:])
        started = created + timedelta(milliseconds=50 + index % 1950)
        model_ms = 800.0 + (index * 7919) % 8200
        finished = started + timedelta(milliseconds=model_ms + 40.0)
        words = sum(len(s) for s in sentences) // 6
        provenance = Provenance(
            generator=generator, plugin=plugin, plugin_version="0.1.0",
            templates=[TemplateRef(name=f"{plugin}/system.j2", sha256=f"{index:064x}",
                                   origin="plugin"),
                       TemplateRef(name=f"{generator.split('.')[1]}.user.j2",
                                   sha256=f"{index * 7:064x}", origin="plugin")],
            model="default", backend="openai", model_id="Qwen2.5-7B-Instruct",
            options=GenerationOptions(temperature=0.7, max_tokens=1024, max_repairs=2),
            usage=Usage(prompt_tokens=len(prompt) // 4 + 120, completion_tokens=words),
            timings=Timings(render_ms=1.2, model_ms=model_ms, validate_ms=3.4,
                            total_ms=model_ms + 40.0),
            attempts=3 if failed else 1, started_at=started, finished_at=finished,
            rejected_answers=[body[:500]] if failed else [], aigc_version="0.1.0")
        if failed:
            result = Result(
                job_id=job_id, status="failed", text=f"{title}\n\n{body}",
                problems=[Problem(field="body[1]", code="cut_off",
                                  message="is cut off: it ends with ','; finish the sentence")],
                error=ErrorInfo(kind="validation", message="the output still had problems "
                                "after 3 attempt(s)"), provenance=provenance)
        elif structured:
            size = max(1, (len(sentences) - 1) // (3 + index % 3))
            result = Result(job_id=job_id, status="succeeded", provenance=provenance,
                            output={"title": title, "body": [
                                " ".join(sentences[i:i + size])
                                for i in range(1, len(sentences), size)]})
        else:
            result = Result(job_id=job_id, status="succeeded", text=f"{title}\n\n{body}",
                            provenance=provenance)
        if rng.random() < LABELLED_SHARE:
            result.metadata["ai_label"] = {
                "explicit": {"text": "[AI-generated]", "position": "start", "language": "en",
                             "embedded": not structured, "separator": "\n\n"},
                "implicit": {"Label": "1", "ContentProducer": "aigc", "ProduceID": job_id,
                             "ReservedCode1": f"sha256:{index:064x}"}}
        entry = int(created.timestamp() * 1000)
        event = LedgerEvent.model_construct
        events = [
            event(key=f"{job_id}:{entry}-0", kind="queued", at=created, detail={}),
            event(key=f"{job_id}:{entry}-1", kind="started", at=started,
                  detail={"worker": f"celery@gpu{index % 8}:{40000 + index % 1000}",
                          "attempt": 1}),
            event(key=f"{job_id}:{entry}-2", kind=result.status, at=finished, detail={}),
        ]
        return LedgerRecord.model_construct(
            job_id=job_id, job=job, result=result, source="queue",
            submitter=SUBMITTERS[index % len(SUBMITTERS)], events=events)


def _cumulative(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


# -- measuring ----------------------------------------------------------------------------


@dataclass
class Database:
    """One database the benchmark measures: its kind, URL and ledger."""

    kind: str
    url: str
    ledger: Ledger

    @classmethod
    def open(cls, kind: str, url: str) -> Database:
        settings = LedgerSettings(url=url)
        engine = database.connect(settings)
        try:
            database.upgrade(engine)
        finally:
            engine.dispose()
        return cls(kind, url, Ledger.open(settings))


@dataclass
class Fill:
    """What filling one database measured."""

    planned: int
    recorded: int = 0
    #: Seconds of each measured ``Ledger.record`` call: the first batches, then the last.
    first_s: list[float] = field(default_factory=list)
    last_s: list[float] = field(default_factory=list)
    #: Records inserted in between by ``bulk_insert`` (setup), and its seconds.
    bulk: int = 0
    bulk_s: float = 0.0
    #: Seconds building the indexes the bulk fill dropped (setup).
    index_s: float = 0.0
    #: Records built for the measured calls, and the seconds that took (no database).
    built: int = 0
    build_s: float = 0.0
    #: A batch recorded again (all there already): its size and seconds.
    again: int = 0
    again_s: float = 0.0
    #: Of the last measured calls: seconds the database took per statement (by table).
    last_statements: dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False


def fill(db: Database, records: Records, plan: Plan,
         progress: Callable[[str], None]) -> Fill:
    """Fill ``db`` to ``plan.results`` records: the first and the last ``EDGE_BATCHES``
    batches of ``BATCH`` through ``Ledger.record``, each call timed; those in between
    through ``bulk_insert`` (the same rows, faster), until ``plan.fill_budget_s`` seconds of
    filling are spent (then N is smaller than planned)."""
    done = Fill(planned=plan.results)
    edge = max(1, min(EDGE_BATCHES, plan.results // BATCH // 2))
    started = time.monotonic()

    measured: list[LedgerRecord] = []

    def record(times: list[float]) -> None:
        nonlocal measured
        begun = time.perf_counter()
        measured = records.batch(min(BATCH, plan.results - done.recorded))
        built = time.perf_counter()
        db.ledger.record(measured)
        times.append(time.perf_counter() - built)
        done.built += len(measured)
        done.build_s += built - begun
        done.recorded += len(measured)

    for _ in range(edge):
        record(done.first_s)
    bulk_until = plan.results - edge * BATCH
    last_report = time.monotonic()
    unindexed = _drop_search_index(db) if done.recorded < bulk_until else {}
    # The next batch is built in a thread while the database takes this one (the driver
    # lets go of the GIL while the database works).
    with ThreadPoolExecutor(1) as builder:
        pending = (builder.submit(records.batch, min(BULK, bulk_until - done.recorded))
                   if done.recorded < bulk_until else None)
        while pending is not None:
            batch = pending.result()
            queued = done.recorded + len(batch)
            over = time.monotonic() - started > plan.fill_budget_s
            done.stopped_early = over and queued < bulk_until
            pending = (builder.submit(records.batch, min(BULK, bulk_until - queued))
                       if queued < bulk_until and not over else None)
            begun = time.perf_counter()
            bulk_insert(db, batch)
            done.bulk_s += time.perf_counter() - begun
            done.bulk += len(batch)
            done.recorded += len(batch)
            if time.monotonic() - last_report >= 60:
                last_report = time.monotonic()
                progress(f"  {db.kind}: {done.recorded:,} recorded, "
                         f"{time.monotonic() - started:.0f} s")
    if unindexed:
        begun = time.perf_counter()
        _build(db, unindexed)
        done.index_s = time.perf_counter() - begun
    with statement_seconds(db.ledger.engine) as done.last_statements:
        for _ in range(edge):
            if done.recorded >= plan.results:
                break
            record(done.last_s)
    begun = time.perf_counter()
    db.ledger.record(measured)  # the last batch again: all there, nothing new
    done.again_s = time.perf_counter() - begun
    done.again = len(measured)
    return done


@contextlib.contextmanager
def statement_seconds(engine: Engine) -> Iterator[dict[str, float]]:
    """Seconds the database took per kind of statement meanwhile (``INSERT jobs``, ...):
    from sending it to its answer, so the rest of a call is Python and the commit."""
    spent: dict[str, float] = {}
    began: list[float] = []

    def before(*_args: Any) -> None:
        began.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split(None, 3)
        what = " ".join(words[:3:2]) if words[0].upper() == "INSERT" else words[0]
        spent[what] = spent.get(what, 0.0) + time.perf_counter() - began.pop()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


#: Records per ``bulk_insert`` call (one transaction).
BULK = 10_000


def _drop_search_index(db: Database) -> dict[str, str]:
    """PostgreSQL: drop the full-text index for the bulk fill (it is built again after it, in
    one pass: row by row it holds PostgreSQL to about 900 results/s per connection, which
    filled 720,000 of the million in 15 minutes); what builds it again. SQLite: nothing."""
    if db.kind != "postgresql":
        return {}
    with db.ledger.engine.begin() as connection:
        for name in search.POSTGRES_INDEX:
            connection.exec_driver_sql(f"DROP INDEX {name}")
    return search.POSTGRES_INDEX


def _build(db: Database, indexes: dict[str, str]) -> None:
    with db.ledger.engine.begin() as connection:
        for statement in indexes.values():
            connection.exec_driver_sql(statement)


def bulk_insert(db: Database, records: list[LedgerRecord]) -> None:
    """Insert new ``records`` as ``Ledger.record`` would, faster: the rows writer.py makes,
    turned into database values by the tables' own SQLAlchemy types, sent straight to the
    driver (SQLite: executemany; PostgreSQL: COPY), without ON CONFLICT (they are new).
    Setup, not a measurement: it fills the database the queries run over."""
    tables = _rows(records)
    engine = db.ledger.engine
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        for table, rows in tables:
            names = list(rows[0])
            processors = [table.c[name].type.dialect_impl(engine.dialect).bind_processor(
                engine.dialect) for name in names]
            values = [tuple(value if process is None else process(value)
                            for process, value in zip(processors, row.values(), strict=True))
                      for row in rows]
            columns = ", ".join(f'"{name}"' for name in names)
            if engine.dialect.name == "sqlite":
                marks = ", ".join("?" for _ in names)
                raw.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})",
                                values)
            else:
                with raw.cursor() as cursor, cursor.copy(
                        f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)


def _rows(records: list[LedgerRecord]) -> list[tuple[Any, list[dict[str, Any]]]]:
    """``(table, rows)`` for new records, in the order ``writer.write`` inserts them, made
    by writer.py's own row functions."""
    jobs, results, events = [], [], []
    for record in records:
        assert record.job is not None and record.result is not None
        # The state the writer gives a job recorded with its result.
        jobs.append(writer._job_row(record, record.job) | {"state": record.result.status})
        results.append(writer._result_row(record.result))
        events += [{"key": e.key, "job_id": record.job_id, "kind": e.kind, "at": e.at,
                    "detail": e.detail} for e in record.events]
    return [(schema.jobs, jobs), (schema.results, results), (schema.events, events)]


@dataclass
class Query:
    name: str
    filters: Filters
    #: Results the filter selects (known from the records made), None when not counted.
    matching: int | None
    seconds: list[float] = field(default_factory=list)
    returned: int = 0
    plan: str = ""


def queries(records: Records, recorded: int) -> list[Query]:
    """The listings measured, over the first ``recorded`` records."""
    searches = records.searches
    middle = recorded // 2
    window = max(1, round(recorded * (WINDOW / SPAN)))
    since, until = records.at(middle), records.at(middle + window)
    return [
        Query("no filter", Filters(limit=20), recorded),
        Query(f"generator {FILTER_GENERATOR}", Filters(generator=FILTER_GENERATOR, limit=20),
              records.by_generator[FILTER_GENERATOR]),
        Query("state failed", Filters(state="failed", limit=20), records.failed),
        Query("state unfinished (none are)", Filters(state="unfinished", limit=20), 0),
        Query("since/until: one week in the middle", Filters(since=since, until=until,
                                                             limit=20), window),
        Query(f"search common word {searches.common!r}",
              Filters(search=searches.common, limit=20), searches.matches["common"]),
        Query(f"search rare word {searches.rare!r}", Filters(search=searches.rare, limit=20),
              searches.matches["rare"]),
        Query(f"search two words {' '.join(searches.pair)!r}",
              Filters(search=" ".join(searches.pair), limit=20), searches.matches["pair"]),
    ]


@contextlib.contextmanager
def last_statement(engine: Engine) -> Iterator[dict[str, Any]]:
    """Within the block, ``found["statement"]`` and ``["parameters"]`` are those of the
    latest statement the engine sent: what EXPLAIN is then given."""
    found: dict[str, Any] = {}

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                 _many: bool) -> None:
        found.update(statement=statement, parameters=parameters)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def explain(engine: Engine, statement: str, parameters: Any, analyze: bool) -> str:
    """The plan of ``statement``: SQLite's EXPLAIN QUERY PLAN as a tree, or PostgreSQL's
    EXPLAIN (with ANALYZE and BUFFERS when ``analyze``: the statement runs once more)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                              parameters).all()
            depth: dict[int, int] = {0: -1}
            lines = []
            for node, parent, _unused, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return "\n".join(lines)
        options = "(ANALYZE, BUFFERS) " if analyze else ""
        rows = connection.exec_driver_sql(f"EXPLAIN {options}{statement}", parameters).all()
        return "\n".join(row[0] for row in rows)


def time_queries(db: Database, listed: list[Query], repetitions: int) -> None:
    """Run each query ``repetitions`` times in turn (so that drift shows in all of them) and
    keep its plan."""
    engine = db.ledger.engine
    with last_statement(engine) as found:
        statements: dict[str, tuple[str, Any]] = {}
        for _ in range(repetitions):
            for query in listed:
                begun = time.perf_counter()
                entries = db.ledger.list(query.filters)
                query.seconds.append(time.perf_counter() - begun)
                query.returned = len(entries)
                statements[query.name] = (found["statement"], found["parameters"])
    for query in listed:
        statement, parameters = statements[query.name]
        slow = statistics.median(query.seconds) > QUERY_S
        query.plan = explain(engine, statement, parameters, analyze=slow)


def time_show(db: Database, job_ids: list[str], repetitions: int) -> list[float]:
    """``Ledger.show`` of jobs spread over the ledger: the primary-key baseline."""
    seconds = []
    for _ in range(repetitions):
        for job_id in job_ids[:: max(1, len(job_ids) // 10)][:10]:
            begun = time.perf_counter()
            assert db.ledger.show(job_id) is not None
            seconds.append(time.perf_counter() - begun)
    return seconds


@dataclass
class Outbox:
    jobs: int
    entries: int = 0
    produce_s: float = 0.0
    parse_s: float = 0.0
    drain_s: float = 0.0
    batch_s: list[float] = field(default_factory=list)
    written: int = 0


def outbox(db: Database, redis_url: str, records: Records, jobs: int) -> Outbox:
    """Jobs through the real Store scripts into a stream of their own, then drained by
    ``OutboxWriter`` into ``db``."""
    prefix = f"bench{db.kind[:2]}"
    settings = QueueSettings(redis_url=redis_url, prefix=prefix)
    redis = Redis.from_url(redis_url)
    measured = Outbox(jobs)
    try:
        store = Store(redis, settings)
        queue = f"{prefix}.default"
        begun = time.perf_counter()
        for start in range(0, jobs, BATCH):
            now = datetime.now(timezone.utc)
            batch = [records.record(created=now, count=False)
                     for _ in range(min(BATCH, jobs - start))]
            store.register([(r.job, queue, "{}") for r in batch], submitter="bench")
            for r in batch:
                assert r.job is not None and r.result is not None
                store.begin(r.job_id, "celery@bench:1", 3, r.job.generator, r.job.model)
                store.finish(r.result)
            redis.delete(queue)  # the messages: nobody consumes them here
        measured.produce_s = time.perf_counter() - begun
        stream = Store.outbox_key(prefix)
        measured.entries = int(redis.xlen(stream))
        begun = time.perf_counter()
        parsed = 0
        cursor = "-"
        while True:
            entries = redis.xrange(stream, min=cursor, count=BATCH)
            if cursor != "-":
                entries = entries[1:]
            if not entries:
                break
            parsed += sum(record_of(entry) is not None for entry in entries)
            cursor = entries[-1][0].decode()
        measured.parse_s = time.perf_counter() - begun
        assert parsed == measured.entries, (parsed, measured.entries)
        writer = OutboxWriter(redis, settings, db.ledger, consumer="bench@ledger",
                              batch=BATCH)
        drained = 0
        while True:  # writer.drain(), each batch timed
            begun = time.perf_counter()
            count = writer.drain_once(block=False)
            if not count:
                break
            measured.batch_s.append(time.perf_counter() - begun)
            drained += count
        measured.drain_s = sum(measured.batch_s)
        measured.written = writer.written
        assert drained == measured.entries and redis.xlen(stream) == 0
    finally:
        with contextlib.suppress(Exception):
            keys = list(redis.scan_iter(f"{prefix}:*", count=10_000))
            for start in range(0, len(keys), 10_000):
                redis.delete(*keys[start:start + 10_000])
        redis.close()
    return measured


# -- the report ---------------------------------------------------------------------------

COLUMNS = ["database", "what", "results", "records/s", "p50 ms", "max ms", "matching",
           "rows"]


def say(line: str) -> None:
    print(line, flush=True)


def measure(kind: str, url: str, redis_url: str, plan: Plan, report: Report,
            progress: Callable[[str], None] = say) -> None:
    """Everything for one database: fill (the writer's rate), queries, the outbox path."""
    db = Database.open(kind, url)
    try:
        records = Records(plan.results, end=datetime.now(timezone.utc) - timedelta(days=1))
        progress(f"  {kind}: filling to {plan.results:,} results (at most "
                 f"{plan.fill_budget_s:.0f} s of writing)")
        filled = fill(db, records, plan, progress)
        if kind == "postgresql":
            with db.ledger.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
                connection.commit()
        size = filled.recorded
        first, last = filled.first_s, filled.last_s
        first_n = min(len(first) * BATCH, size)
        last_n = size - first_n - filled.bulk
        report.params.setdefault("fill", {})[kind] = {
            "planned": plan.results, "recorded": size, "stopped_early": filled.stopped_early,
            "bulk_records": filled.bulk, "bulk_seconds": filled.bulk_s,
            "index_build_seconds": filled.index_s,
            "first_batch_seconds": first, "last_batch_seconds": last}

        def writer_row(what: str, at: str, seconds: list[float], count: int
                       ) -> dict[str, Any]:
            return {"database": kind, "what": what, "results": at,
                    "records/s": count / sum(seconds) if sum(seconds) else 0.0,
                    "p50 ms": percentile(seconds, 50) * 1000,
                    "max ms": max(seconds, default=0.0) * 1000}

        at_end = writer_row(f"Ledger.record, batches of 1,000: the last {len(last)}",
                            f"{size - last_n:,} → {size:,}", last, last_n)
        report.rows += [
            {"database": kind, "what": "baseline: building the records (no database)",
             "results": "", "records/s": filled.built / filled.build_s
             if filled.build_s else 0.0},
            writer_row(f"Ledger.record, batches of 1,000: the first {len(first)}",
                       f"0 → {first_n:,}", first, first_n),
            at_end,
            writer_row("baseline: Ledger.record of a batch recorded already (nothing new)",
                       f"{size:,}", [filled.again_s], filled.again),
        ]
        if filled.bulk:
            report.rows.append({
                "database": kind, "what": "setup: the fill in between, batches of "
                f"{BULK:,} ({'COPY' if kind == 'postgresql' else 'executemany'}, no ON "
                "CONFLICT)", "results": f"{first_n:,} → {first_n + filled.bulk:,}",
                "records/s": filled.bulk / filled.bulk_s if filled.bulk_s else 0.0})
        report.targets.append(Target(
            f"{kind}: Ledger.record records/s, batches of 1,000, at {size:,} results",
            at_end["records/s"], WRITER_RATE, True,
            note=f"p50 batch {at_end['p50 ms']:.0f} ms; into an empty ledger "
                 f"{first_n / sum(first) if sum(first) else 0.0:,.0f} records/s; a record is "
                 "a whole job: "
                 "input, result, provenance, three events"))
        spent = filled.last_statements
        if sum(last):
            shares = ", ".join(f"{what} {seconds / sum(last):.0%}"
                               for what, seconds in sorted(spent.items(), key=lambda i: -i[1]))
            report.notes.append(
                f"{kind}: where the last Ledger.record batches spent their time: {shares}; "
                f"the rest ({1 - sum(spent.values()) / sum(last):.0%}) is Python (rows, JSON, "
                "SQLAlchemy) and the commit")
        report.params["fill"][kind]["last_statement_seconds"] = spent
        if filled.stopped_early:
            report.notes.append(
                f"{kind}: FILLING STOPPED at {size:,} of the planned {plan.results:,} "
                f"results, after the {plan.fill_budget_s:.0f} s budget of this machine: the "
                f"queries ran over {size:,} results, NOT {plan.results:,}")

        progress(f"  {kind}: queries over {size:,} results")
        listed = queries(records, size)
        show = time_show(db, records.job_ids, plan.repetitions)
        time_queries(db, listed, plan.repetitions)
        report.rows.append({"database": kind, "what": "baseline: Ledger.show of one job",
                            "results": f"{size:,}", "p50 ms": percentile(show, 50) * 1000,
                            "max ms": max(show) * 1000, "matching": 1, "rows": 1})
        plans = report.params.setdefault("plans", {}).setdefault(kind, {})
        for query in listed:
            report.rows.append({"database": kind, "what": f"Ledger.list -n 20, {query.name}",
                                "results": f"{size:,}",
                                "p50 ms": percentile(query.seconds, 50) * 1000,
                                "max ms": max(query.seconds) * 1000,
                                "matching": query.matching if query.matching is not None
                                else "", "rows": query.returned})
            plans[query.name] = {"seconds": query.seconds, "plan": query.plan}
        slowest = max(listed, key=lambda q: percentile(q.seconds, 50))
        slow = [q for q in listed if percentile(q.seconds, 50) > QUERY_S]
        report.targets.append(Target(
            f"{kind}: slowest Ledger.list p50 s over {size:,} results",
            percentile(slowest.seconds, 50), QUERY_S, False,
            note=f"{slowest.name}; every query's p50 must be under {QUERY_S:g} s"))
        for query in slow:
            report.notes.append(
                f"{kind}: SLOW ({percentile(query.seconds, 50):.2f} s p50) {query.name}; "
                f"its plan:\n{query.plan}")

        progress(f"  {kind}: the outbox path, {plan.outbox_jobs:,} jobs")
        sent = outbox(db, redis_url, records, plan.outbox_jobs)
        total = f"{size:,} → {size + plan.outbox_jobs:,}"
        rate = sent.written / sent.drain_s if sent.drain_s else 0.0
        report.rows += [
            {"database": kind, "what": "baseline: outbox entries read and parsed "
             "(XRANGE + record_of, no database)", "results": total,
             "records/s": sent.entries / sent.parse_s if sent.parse_s else 0.0},
            {"database": kind, "what": f"OutboxWriter.drain: {sent.jobs:,} jobs, "
             f"{sent.entries:,} entries, batches of {BATCH:,} entries", "results": total,
             "records/s": rate, "p50 ms": percentile(sent.batch_s, 50) * 1000,
             "max ms": max(sent.batch_s, default=0.0) * 1000},
        ]
        report.targets.append(Target(
            f"{kind}: OutboxWriter records/s (an outbox entry is a record)", rate, WRITER_RATE,
            True, note=f"{sent.jobs / sent.drain_s if sent.drain_s else 0.0:,.0f} jobs/s, "
                       f"into a ledger of {size:,} results"))
        report.params.setdefault("outbox", {})[kind] = {
            "jobs": sent.jobs, "entries": sent.entries, "written": sent.written,
            "produce_s": sent.produce_s, "parse_s": sent.parse_s, "drain_s": sent.drain_s}
        report.params.setdefault("searches", {})[kind] = {
            "common": records.searches.common, "rare": records.searches.rare,
            "pair": list(records.searches.pair), "matches": records.searches.matches}
    finally:
        db.ledger.close()


def new_report(plan: Plan) -> Report:
    return Report(
        "ledger", f"9. The ledger: the writer's rate and listing/search over "
                  f"{plan.results:,} results",
        COLUMNS, params={"planned_results": plan.results, "batch": BATCH,
                         "repetitions": plan.repetitions, "outbox_jobs": plan.outbox_jobs,
                         "fill_budget_s": plan.fill_budget_s, "seed": SEED,
                         "postgres_settings": POSTGRES_SETTINGS})


def run(ctx: Context, plan: Plan | None = None) -> Report:
    plan = plan or (QUICK if ctx.quick else FULL)
    report = new_report(plan)
    redis = ctx.fleet.redis("redis-ledger")
    for kind in plan.databases:
        try:
            if kind == "sqlite":
                path = ctx.fleet.workdir / "ledger-bench.db"
                try:
                    measure(kind, f"sqlite:///{path}", redis.url, plan, report)
                finally:
                    for leftover in path.parent.glob(path.name + "*"):
                        leftover.unlink(missing_ok=True)
                continue
            with postgres() as (server, why):
                if server is None:
                    report.notes.append(f"postgresql: not measured: {why}")
                    continue
                url = server.create_database("ledger_bench")
                server_version(server, report)
                measure(kind, url, redis.url, plan, report)
        except Exception as exc:  # the other database's numbers are kept, and this is shown
            report.notes.append(f"{kind}: FAILED: {type(exc).__name__}: {exc}")
            report.targets.append(Target(f"{kind}: the benchmark ran", 0.0, 1.0, True,
                                         note="see the FAILED note"))
    report.notes += [
        "a record (Ledger.record) is one whole job: its input, its result (200-400 words, "
        "Zipf vocabulary), provenance, AI label and three events; an outbox entry is one "
        "record of OutboxWriter (queued: the job; started; finished: the result), three per "
        "job",
        "query p50/max over the repetitions, run in turn; max is usually the first (coldest) "
        "run; matching: results the filter selects, rows: what -n 20 returned",
        "PostgreSQL: fsync and full_page_writes on (production durability), ANALYZEd after "
        "the fill; SQLite: WAL, as aigc opens it, never ANALYZEd",
    ]
    return report


@contextlib.contextmanager
def postgres() -> Iterator[tuple[Any, str]]:
    """A private PostgreSQL server for the run (tests/support/postgres.py) and "", or None
    and why there is none (PostgreSQL or psycopg not installed)."""
    import pytest

    from tests.support.postgres import PostgresServer

    server = None
    try:
        try:
            server = PostgresServer(settings=POSTGRES_SETTINGS, start_timeout=60.0)
            server.start()
        except pytest.skip.Exception as skipped:
            yield None, str(skipped)
            return
        yield server, ""
    finally:
        if server is not None:
            server.cleanup()


def server_version(server: Any, report: Report) -> None:
    import psycopg

    with psycopg.connect(server.conninfo()) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    report.params["postgres_version"] = row[0] if row else ""
