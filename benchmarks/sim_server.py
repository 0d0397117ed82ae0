"""A simulated continuous-batching OpenAI-compatible chat server, on loopback only.

    python -m benchmarks.sim_server --port 8001 --time-scale 0.5 --rate-429 0.05

It behaves like vLLM from the outside, at a fraction of the CPU cost, so a 2-core machine can
measure what the queue in front of a GPU server costs:

- one engine loop; each step decodes one token for every running sequence and lasts
  ``t0 + k * b`` for ``b`` running sequences (``b`` up to ``max_batch``; later arrivals wait),
  plus ``prefill_ms_per_token`` for each prompt token of the sequences admitted in that step.
  The defaults (t0 = 6 ms, k = 0.3 ms, max batch 256) are close to Llama-3.1-8B on one H100;
- every answer is exactly ``max_tokens`` tokens (filler words, or with ``response_format`` a
  minimal instance of the JSON schema, spread over that many tokens), with ``usage``;
- non-streaming and streaming (SSE, ``stream_options.include_usage``) chat completions;
- injected faults: an exact share of each 100 requests answered 429 (with ``Retry-After``)
  or 503 at once, at random places, and extra latency before a request is queued;
- ``time_scale`` multiplies every simulated duration (0.5: twice as fast).

``GET /stats`` returns counters (requests by status, tokens, steps, mean batch, running and
waiting now and at most, the most requests in flight at once, service times);
``POST /stats/reset`` zeroes them; ``POST /config`` changes settings for later requests, e.g.
``{"rate_429": 0.05}``. The server stops by itself after ``--lifetime`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http
import itertools
import json
import random
import signal
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .schema_fill import WORDS, instance

HOST = "127.0.0.1"


class SimConfig(BaseModel):
    """The server's calibration and injected faults; every duration is multiplied by
    ``time_scale``."""

    model_config = ConfigDict(extra="forbid")

    t0_ms: float = Field(6.0, ge=0, description="Fixed cost of one decode step, ms.")
    k_ms: float = Field(0.3, ge=0, description="Cost per running sequence in a step, ms.")
    max_batch: int = Field(256, ge=1, description="Most sequences decoded together.")
    prefill_ms_per_token: float = Field(
        0.05, ge=0, description="Prefill cost per prompt token, added to the admitting step, ms.")
    time_scale: float = Field(1.0, gt=0, description="Multiplies every simulated duration.")
    default_max_tokens: int = Field(256, ge=1, description="When a request sets no max_tokens.")
    rate_429: float = Field(0.0, ge=0, le=1, description="Share of requests answered 429.")
    retry_after_s: float = Field(1.0, ge=0, description="Retry-After of a 429, seconds.")
    rate_503: float = Field(0.0, ge=0, le=1, description="Share of requests answered 503.")
    latency_ms: float = Field(0.0, ge=0, description="Extra latency before queueing, ms.")
    seed: int = Field(0, description="Offset of the fault injection's sequence.")

    def seconds(self, ms: float) -> float:
        return ms * self.time_scale / 1000.0


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[Any] | None = None


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: Literal["text", "json_object", "json_schema"]
    json_schema: dict[str, Any] | None = None
    #: llama.cpp's form: the schema beside ``"type": "json_object"``.
    schema_: dict[str, Any] | None = Field(None, alias="schema")

    def schema_or_none(self) -> dict[str, Any] | None:
        if self.type == "json_schema":
            return (self.json_schema or {}).get("schema", {})
        if self.type == "json_object":
            return self.schema_ or {}
        return None


class ChatRequest(BaseModel):
    """The fields of an OpenAI chat request the simulation uses; others are accepted."""

    model_config = ConfigDict(extra="allow")

    model: str = "sim"
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    response_format: ResponseFormat | None = None

    def prompt_tokens(self) -> int:
        # About four characters a token, plus the chat template's few tokens per message.
        chars = sum(len(str(m.content or "")) for m in self.messages)
        return max(1, chars // 4 + 4 * len(self.messages))


@dataclass
class Counters:
    """What ``/stats`` reports; reset by ``/stats/reset`` (current levels carry over)."""

    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    steps: int = 0
    batch_sum: int = 0
    busy_s: float = 0.0
    max_running: int = 0
    max_waiting: int = 0
    max_in_flight: int = 0
    first_arrival: float | None = None
    last_finish: float | None = None
    #: Arrival to last byte of each answered request, ms (bounded).
    service_ms: deque[float] = field(default_factory=lambda: deque(maxlen=200_000))

    def count(self, status: int) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + 1


@dataclass(eq=False)
class Sequence:
    """One request in the engine: ``pieces`` are its ``max_tokens`` output tokens."""

    prompt_tokens: int
    pieces: list[str]
    done: asyncio.Future[None]
    stream: asyncio.Queue[str | None] | None = None
    generated: int = 0

    @property
    def finished(self) -> bool:
        return self.generated >= len(self.pieces)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Engine:
    """The continuous-batching loop: admits waiting sequences up to ``max_batch`` at each
    step boundary and decodes one token for each running one per step."""

    def __init__(self, server: SimServer):
        self.server = server
        self.waiting: deque[Sequence] = deque()
        self.running: list[Sequence] = []
        self._work = asyncio.Event()

    def submit(self, seq: Sequence) -> None:
        self.waiting.append(seq)
        c = self.server.counters
        c.max_waiting = max(c.max_waiting, len(self.waiting))
        self._work.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._work.wait()
            started = loop.time()
            admitted = self._admit()
            if not self.running:
                self._work.clear()
                continue
            config = self.server.config
            cost = (config.t0_ms + config.k_ms * len(self.running)
                    + config.prefill_ms_per_token * sum(s.prompt_tokens for s in admitted))
            # Sleep to an absolute deadline: the loop's own work is part of the step.
            await asyncio.sleep(max(0.0, started + config.seconds(cost) - loop.time()))
            self._step(loop.time() - started)

    def _admit(self) -> list[Sequence]:
        admitted = []
        limit = self.server.config.max_batch
        while self.waiting and len(self.running) < limit:
            seq = self.waiting.popleft()
            self.running.append(seq)
            admitted.append(seq)
        c = self.server.counters
        c.max_running = max(c.max_running, len(self.running))
        return admitted

    def _step(self, elapsed: float) -> None:
        c = self.server.counters
        c.steps += 1
        c.batch_sum += len(self.running)
        c.busy_s += elapsed
        for seq in self.running:
            if seq.stream is not None:
                seq.stream.put_nowait(seq.pieces[seq.generated])
            seq.generated += 1
        finished = [seq for seq in self.running if seq.finished]
        if finished:
            self.running = [seq for seq in self.running if not seq.finished]
            for seq in finished:
                if seq.stream is not None:
                    seq.stream.put_nowait(None)
                if not seq.done.done():
                    seq.done.set_result(None)
        if not self.running and not self.waiting:
            self._work.clear()


class _Shares:
    """Draws in [0, 1) dealt from shuffled decks of 100 evenly spaced values: every 100
    requests get exactly ``rate * 100`` faults, at random places (so bursts happen, as on a
    real overloaded server), where independent draws would also swing the total by several
    per cent over a few hundred requests and blur what the retries cost."""

    _DECK = 100

    def __init__(self, seed: int):
        self._random = random.Random(seed)
        self._deck: list[float] = []

    def next(self) -> float:
        if not self._deck:
            self._deck = [(k + 0.5) / self._DECK for k in range(self._DECK)]
            self._random.shuffle(self._deck)
        return self._deck.pop()


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


Handler = Callable[["SimServer", Request, asyncio.StreamWriter], Awaitable[None]]


class SimServer:
    """The HTTP side: a small HTTP/1.1 keep-alive server on asyncio streams."""

    def __init__(self, config: SimConfig | None = None):
        self.config = config or SimConfig()
        self.counters = Counters()
        self.in_flight = 0
        self._faults = _Shares(self.config.seed)
        self._ids = itertools.count(1)
        self._engine: Engine | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the server is not started")
        return self._engine

    async def start(self, port: int = 0) -> int:
        self._engine = Engine(self)
        task = asyncio.get_running_loop().create_task(self._engine.run())
        self._tasks.add(task)
        self._server = await asyncio.start_server(self._connection, HOST, port, backlog=4096)
        return self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        # Closing a connection's socket ends its handler (EOF); cancelling it would not be
        # clean in asyncio's stream callbacks.
        for writer in self._connections.values():
            writer.close()
        await asyncio.gather(*self._tasks, *self._connections, return_exceptions=True)

    # -- HTTP plumbing ----------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:  # so that close() ends open keep-alive connections too
            self._connections[task] = writer
        try:
            while (request := await _read_request(reader)) is not None:
                route = _ROUTES.get((request.method, request.path))
                try:
                    if route is None:
                        raise HttpError(404, f"no route {request.method} {request.path}")
                    await route(self, request, writer)
                except HttpError as exc:
                    await _write_json(writer, exc.status, {"error": {
                        "message": str(exc), "type": "sim", "code": exc.status}}, exc.headers)
                if request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # the client went away, or sent something that is not HTTP
        finally:
            writer.close()
            if task is not None:
                self._connections.pop(task, None)

    # -- routes ------------------------------------------------------------------------------
    async def chat(self, request: Request, writer: asyncio.StreamWriter) -> None:
        arrived = time.monotonic()
        c = self.counters
        c.requests += 1
        c.first_arrival = c.first_arrival or time.time()
        self.in_flight += 1
        c.max_in_flight = max(c.max_in_flight, self.in_flight)
        try:
            try:
                chat = ChatRequest.model_validate_json(request.body)
            except ValidationError as exc:
                raise HttpError(400, f"invalid request: {exc.errors()[0]['msg']}") from None
            self._inject_fault()
            if self.config.latency_ms:
                await asyncio.sleep(self.config.seconds(self.config.latency_ms))
            await self._complete(chat, writer, arrived)
        except HttpError as exc:
            self.counters.count(exc.status)
            raise
        finally:
            self.in_flight -= 1

    def _inject_fault(self) -> None:
        draw = self._faults.next()
        if draw < self.config.rate_429:
            retry_after = self.config.seconds(self.config.retry_after_s * 1000.0)
            raise HttpError(429, "injected rate limit", {"retry-after": f"{retry_after:.3f}"})
        if draw < self.config.rate_429 + self.config.rate_503:
            raise HttpError(503, "injected overload")

    async def _complete(self, chat: ChatRequest, writer: asyncio.StreamWriter,
                        arrived: float) -> None:
        max_tokens = chat.max_completion_tokens or chat.max_tokens or self.config.default_max_tokens
        schema = chat.response_format.schema_or_none() if chat.response_format else None
        number = next(self._ids)
        pieces = (_plain_tokens(max_tokens, number) if schema is None
                  else _spread(json.dumps(instance(schema, number)), max_tokens))
        prompt_tokens = chat.prompt_tokens()
        seq = Sequence(prompt_tokens, pieces, asyncio.get_running_loop().create_future(),
                       asyncio.Queue() if chat.stream else None)
        self.engine.submit(seq)
        meta = {"id": f"chatcmpl-sim-{number}", "created": int(time.time()), "model": chat.model}
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": max_tokens,
                 "total_tokens": prompt_tokens + max_tokens}
        if chat.stream:
            include_usage = bool((chat.stream_options or {}).get("include_usage"))
            await _stream(writer, seq, meta, usage if include_usage else None,
                          lambda: self._answered(arrived, usage))
        else:
            await seq.done
            self._answered(arrived, usage)
            await _write_json(writer, 200, {**meta, "object": "chat.completion", "choices": [{
                "index": 0, "finish_reason": "length",
                "message": {"role": "assistant", "content": "".join(pieces)}}],
                "usage": usage})

    def _answered(self, arrived: float, usage: dict[str, int]) -> None:
        # Counted before the last bytes go out, so /stats read after an answer includes it.
        c = self.counters
        c.count(200)
        c.prompt_tokens += usage["prompt_tokens"]
        c.completion_tokens += usage["completion_tokens"]
        c.service_ms.append((time.monotonic() - arrived) * 1000.0)
        c.last_finish = time.time()

    async def models(self, request: Request, writer: asyncio.StreamWriter) -> None:
        await _write_json(writer, 200, {"object": "list", "data": [
            {"id": "sim", "object": "model", "owned_by": "benchmarks"}]})

    async def stats(self, request: Request, writer: asyncio.StreamWriter) -> None:
        await _write_json(writer, 200, self.snapshot())

    async def reset(self, request: Request, writer: asyncio.StreamWriter) -> None:
        self.counters = Counters(max_in_flight=self.in_flight)
        await _write_json(writer, 200, {"reset": True})

    async def configure(self, request: Request, writer: asyncio.StreamWriter) -> None:
        try:
            changes = json.loads(request.body or b"{}")
            self.config = SimConfig.model_validate({**self.config.model_dump(), **changes})
        except (ValueError, ValidationError) as exc:
            raise HttpError(400, f"invalid config: {exc}") from None
        self._faults = _Shares(self.config.seed)
        await _write_json(writer, 200, self.config.model_dump())

    def snapshot(self) -> dict[str, Any]:
        c = self.counters
        service = sorted(c.service_ms)
        return {
            "config": self.config.model_dump(),
            "requests": c.requests,
            "by_status": {str(k): v for k, v in sorted(c.by_status.items())},
            "prompt_tokens": c.prompt_tokens,
            "completion_tokens": c.completion_tokens,
            "steps": c.steps,
            "mean_batch": c.batch_sum / c.steps if c.steps else 0.0,
            "busy_s": c.busy_s,
            "running": len(self.engine.running),
            "waiting": len(self.engine.waiting),
            "in_flight": self.in_flight,
            "max_running": c.max_running,
            "max_waiting": c.max_waiting,
            "max_in_flight": c.max_in_flight,
            "first_arrival": c.first_arrival,
            "last_finish": c.last_finish,
            "service_ms": {"count": len(service), **{
                f"p{q}": service[min(len(service) - 1, len(service) * q // 100)] if service
                else 0.0 for q in (50, 99)}},
        }


_ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/v1/chat/completions"): SimServer.chat,
    ("GET", "/v1/models"): SimServer.models,
    ("GET", "/stats"): SimServer.stats,
    ("POST", "/stats/reset"): SimServer.reset,
    ("POST", "/config"): SimServer.configure,
}


def _plain_tokens(count: int, number: int) -> list[str]:
    return [WORDS[(number + i) % len(WORDS)] + (" " if i < count - 1 else "")
            for i in range(count)]


def _spread(text: str, count: int) -> list[str]:
    """``text`` cut into ``count`` consecutive pieces (some empty if the text is short)."""
    size = len(text)
    return [text[i * size // count:(i + 1) * size // count] for i in range(count)]


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length") or 0))
    return Request(method, target.split("?", 1)[0].rstrip("/") or "/", headers, body)


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}",
             *(f"{name}: {value}" for name, value in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


async def _write_json(writer: asyncio.StreamWriter, status: int, payload: dict[str, Any],
                      headers: dict[str, str] | None = None) -> None:
    data = json.dumps(payload).encode()
    writer.write(_head(status, {"content-type": "application/json",
                                "content-length": str(len(data)), **(headers or {})}) + data)
    await writer.drain()


async def _stream(writer: asyncio.StreamWriter, seq: Sequence, meta: dict[str, Any],
                  usage: dict[str, int] | None, answered: Callable[[], None]) -> None:
    """Server-sent events, one chunk per decoded token, as the OpenAI API streams them."""
    assert seq.stream is not None

    async def event(data: str) -> None:
        payload = f"data: {data}\n\n".encode()
        writer.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        await writer.drain()

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return json.dumps({**meta, "object": "chat.completion.chunk", "choices": [
            {"index": 0, "delta": delta, "finish_reason": finish}]})

    writer.write(_head(200, {"content-type": "text/event-stream", "cache-control": "no-cache",
                             "transfer-encoding": "chunked"}))
    await event(chunk({"role": "assistant", "content": ""}))
    while (piece := await seq.stream.get()) is not None:
        await event(chunk({"content": piece}))
    answered()
    await event(chunk({}, "length"))
    if usage is not None:
        await event(json.dumps({**meta, "object": "chat.completion.chunk", "choices": [],
                                "usage": usage}))
    await event("[DONE]")
    writer.write(b"0\r\n\r\n")
    await writer.drain()


@contextlib.contextmanager
def serve_in_thread(config: SimConfig | None = None) -> Iterator[tuple[str, SimServer]]:
    """Run a server in a background thread (tests): yields its ``base_url`` and the server."""
    loop = asyncio.new_event_loop()
    server = SimServer(config)
    thread = threading.Thread(target=loop.run_forever, daemon=True, name="sim-server")
    thread.start()
    try:
        port = asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
        yield f"http://{HOST}:{port}/v1", server
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


async def _serve(config: SimConfig, port: int, lifetime: float) -> None:
    server = SimServer(config)
    bound = await server.start(port)
    print(f"sim server on http://{HOST}:{bound}/v1", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), lifetime)
    await server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sim_server",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="0: any free port")
    parser.add_argument("--lifetime", type=float, default=3600.0,
                        help="stop after this many seconds, so a forgotten server ends")
    for name, info in SimConfig.model_fields.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(info.default),
                            default=info.default, help=info.description)
    args = parser.parse_args(argv)
    config = SimConfig(**{name: getattr(args, name) for name in SimConfig.model_fields})
    asyncio.run(_serve(config, args.port, args.lifetime))


if __name__ == "__main__":
    main()
