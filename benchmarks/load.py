"""The two ways of sending the same work to a model server, measured the same way.

- ``direct`` (B): an asyncio loop of HTTP calls, at most ``concurrency`` in flight: what a team
  would write instead of running workers, made as lean as possible so that it shows what the
  server can do: ``concurrency`` coroutines, each with its own keep-alive connection, speak
  plain HTTP/1.1 and JSON. (With the openai or httpx async clients, one event loop on 2 busy
  cores could not keep 64 or 256 requests in flight, and B understated the server.)
- ``through_fleet`` (F): the same prompts and max_tokens as jobs, submitted one by one with
  ``aigc_workers.client.Client`` (validation, Redis, Celery), run by ``aigc worker`` processes.

Both report output tokens per second over the whole run: B from the first request to the last
answer, F from the first submit to the last result stored (the job store's ``finished_at``).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from redis import Redis

from aigc_core import Job, Result
from aigc_core.options import ENGINE_DEFAULTS
from aigc_workers.client import Client, JobNotFinished

from .fleet import QUEUE
from .report import percentile
from .schema_fill import WORDS

#: Sampling options the engine sends with every call; B sends the same.
SAMPLING = ENGINE_DEFAULTS.model_dump(include={"temperature", "top_p", "seed"})


@dataclass
class Run:
    """One measured run."""

    label: str
    jobs: int
    ok: int
    tokens: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    error: str = ""

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0

    @property
    def jobs_per_s(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    def latency(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


#: Factors on the mean max_tokens, in turn (their mean is 1): answers of one run end at
#: different steps, as real ones do, instead of a whole batch finishing in the same step.
VARIED = (0.5, 1.25, 0.75, 1.5, 1.0, 0.625, 1.375, 1.0)


@dataclass(frozen=True)
class Work:
    """The same work for B and F: prompts, max_tokens, and for structured jobs the schema."""

    prompts: list[str]
    #: The mean max_tokens; with ``vary`` each request's is this times a factor of VARIED.
    max_tokens: int
    generator: str = "bench.text"
    #: Extra job input (``bench.digest``: the entry count).
    extra_input: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] | None = None
    vary: bool = False

    def tokens(self, index: int) -> int:
        if not self.vary:
            return self.max_tokens
        return max(1, round(self.max_tokens * VARIED[index % len(VARIED)]))

    def jobs(self, tag: str) -> list[Job]:
        return [Job(id=f"{tag}-{i}", generator=self.generator,
                    input={"prompt": prompt, **self.extra_input},
                    options={"max_tokens": self.tokens(i)})
                for i, prompt in enumerate(self.prompts)]

    def bodies(self, model: str) -> list[dict[str, Any]]:
        fmt = ({"response_format": {"type": "json_schema",
                                    "json_schema": {"name": "output", "schema": self.schema}}}
               if self.schema is not None else {})
        return [{"model": model, "messages": [{"role": "user", "content": prompt}],
                 "max_tokens": self.tokens(i), **SAMPLING, **fmt}
                for i, prompt in enumerate(self.prompts)]


def prompts(count: int, words: int, tag: str) -> list[str]:
    """Distinct prompts of about ``words`` words (about 1.5 tokens a word)."""
    return [f"Request {tag}-{i}: " + " ".join(WORDS[(i + j) % len(WORDS)] for j in range(words))
            for i in range(count)]


def direct(base_url: str, model: str, work: Work, concurrency: int, label: str = "B") -> Run:
    return asyncio.run(_direct(base_url, model, work, concurrency, label))


async def _direct(base_url: str, model: str, work: Work, concurrency: int, label: str) -> Run:
    url = urlsplit(base_url)
    target = f"{url.path.rstrip('/')}/chat/completions"
    host, port = url.hostname or "127.0.0.1", url.port or 80
    pending = iter(work.bodies(model))
    latencies: list[float] = []
    tokens = ok = 0
    errors: list[str] = []

    async def user() -> None:
        """One concurrent caller: takes the next request until none is left."""
        nonlocal tokens, ok
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        for body in pending:
            if connection is None:
                connection = await asyncio.open_connection(host, port)
            sent = time.perf_counter()
            try:
                status, answer, keep = await _post(*connection, host, target, body)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                connection = None
                continue
            if status != 200:
                errors.append(f"HTTP {status}: {answer}")
            else:
                latencies.append((time.perf_counter() - sent) * 1000.0)
                ok += 1
                tokens += (answer.get("usage") or {}).get("completion_tokens", 0)
            if not keep:
                connection[1].close()
                connection = None
        if connection is not None:
            connection[1].close()

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(min(concurrency, len(work.prompts)))))
    seconds = time.perf_counter() - started
    return Run(label, len(work.prompts), ok, tokens, seconds, latencies,
               error=errors[0] if errors else "")


async def _post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str,
                target: str, body: dict[str, Any]) -> tuple[int, Any, bool]:
    """One HTTP/1.1 POST with a JSON body; returns (status, JSON answer, keep-alive)."""
    data = json.dumps(body).encode()
    writer.write(f"POST {target} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
                 f"content-length: {len(data)}\r\n\r\n".encode() + data)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if headers.get("transfer-encoding") == "chunked":
        payload = b""
        while size := int((await reader.readline()).strip() or b"0", 16):
            payload += await reader.readexactly(size)
            await reader.readline()
        await reader.readline()
    else:
        payload = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, json.loads(payload or b"null"), headers.get("connection") != "close"


def through_fleet(client: Client, work: Work, tag: str, timeout: float, label: str = "F") -> Run:
    """Submit every job, wait for all (at most ``timeout`` s), read the store's timestamps."""
    jobs = work.jobs(tag)
    submitted: dict[str, float] = {}
    started = time.time()
    for job in jobs:
        submitted[job.id] = time.time()
        client.submit(job)
    ids = [job.id for job in jobs]
    error = ""
    try:
        client.wait(ids, timeout=timeout)
    except JobNotFinished as exc:
        error = f"not finished within {timeout:.0f}s: {exc}"
        purge(client, ids)
    return collect(client, ids, submitted, started, label, error)


def collect(client: Client, ids: list[str], submitted: dict[str, float], started: float,
            label: str, error: str = "") -> Run:
    """A run's numbers from the job store: finished_at of each job, usage of each result."""
    finished = {s.id: s.finished_at.timestamp() for s in client.store.statuses(ids)
                if s.final and s.finished_at is not None}
    results = [r for r in (client.store.result(job_id) for job_id in finished) if r is not None]
    good = [r for r in results if r.ok]
    end = max(finished.values(), default=started)
    if not error and len(good) < len(ids):
        failed = next((r for r in results if not r.ok), None)
        error = (f"{len(ids) - len(good)} job(s) did not succeed"
                 + (f", e.g. {failed.error.kind}: {failed.error.message}"
                    if failed and failed.error else ""))
    return Run(
        label, len(ids), len(good), sum(r.provenance.usage.completion_tokens for r in good),
        end - started, [(finished[i] - submitted[i]) * 1000.0 for i in finished if i in submitted],
        good, error,
    )


def purge(client: Client, ids: list[str]) -> None:
    """After a run timed out: cancel what is left and empty the queue for the next run."""
    for job_id in ids:
        client.cancel(job_id)
    redis: Redis = client.store.redis
    redis.delete(QUEUE)


def warm_up(client: Client, count: int, tag: str, timeout: float = 120.0) -> None:
    """Run a few tiny jobs, so that worker start-up (engine, plugins, HTTP connections) is not
    measured."""
    work = Work(prompts(count, 4, tag), max_tokens=1)
    run = through_fleet(client, work, tag, timeout, label="warm-up")
    if run.error:
        raise RuntimeError(f"warm-up failed: {run.error}")
