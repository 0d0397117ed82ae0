"""A real, fault-injecting OpenAI-compatible chat server on loopback, for queue tests.

It answers ``POST /v1/chat/completions`` over real HTTP from its own threads, so the openai
client, timeouts, connection errors and several worker processes behave as in production.
Each request takes the next action of a script, or the fallback action once the script is
used up (so a script of failures followed by nothing is "fail, then recover")::

    with FaultyServer() as server:
        server.script(Status(429, retry_after=0.2), Status(503), Hang(5))
        ...                      # the fourth request on gets the fallback Reply()
        server.fallback = Status(503)   # or fail every request until told otherwise

It counts requests and the most requests it ever had in flight at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: Builds the answer text from the request body (the default repeats the last message).
ReplyText = Callable[[dict[str, Any]], str]


def echo_last_message(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


@dataclass(frozen=True)
class Reply:
    """Answer normally, after ``delay`` seconds (a slow but healthy server)."""

    delay: float = 0.0
    text: ReplyText = echo_last_message


@dataclass(frozen=True)
class Status:
    """Answer with an HTTP error status, optionally with ``Retry-After`` seconds, and an
    OpenAI-style ``error.message`` (default ``injected HTTP CODE``)."""

    code: int
    retry_after: float | None = None
    message: str | None = None


@dataclass(frozen=True)
class Hang:
    """Hold the request for ``seconds`` and then drop it unanswered (a stuck server)."""

    seconds: float = 30.0


@dataclass(frozen=True)
class Raw:
    """Answer 200 with this body as is (a server or proxy that is not a chat server)."""

    body: bytes
    content_type: str = "application/json"


Action = Reply | Status | Hang | Raw


@dataclass
class Counters:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    #: The action each request got, in arrival order.
    log: list[str] = field(default_factory=list)
    #: (start, end) of each finished request, in ``time.monotonic()`` seconds.
    spans: list[tuple[float, float]] = field(default_factory=list)

    def max_in_flight_since(self, since: float) -> int:
        """The most requests in flight at once among those that started at ``since`` or later
        (requests still running are not counted)."""
        edges = sorted(edge for start, end in self.spans if start >= since
                       for edge in ((start, 1), (end, -1)))
        peak = level = 0
        for _, step in edges:  # an end sorts before a start at the same instant
            level += step
            peak = max(peak, level)
        return peak


class FaultyServer:
    """Start with ``with`` (or ``start()``/``stop()``); ``url`` is the ``base_url`` to use."""

    def __init__(self, fallback: Action | None = None):
        self.fallback: Action = fallback or Reply()
        self.counters = Counters()
        self._script: deque[Action] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True, name="faulty-server")

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *actions: Action) -> None:
        """Replace the queue of per-request actions (consumed one per request, in order)."""
        with self._lock:
            self._script = deque(actions)

    def reset_counters(self) -> None:
        with self._lock:
            in_flight = self.counters.in_flight
            self.counters = Counters(in_flight=in_flight, max_in_flight=in_flight)

    def start(self) -> FaultyServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wakes hanging handlers so shutdown does not wait for them
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self) -> FaultyServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- called by the handler threads -------------------------------------------------------
    def _begin(self) -> tuple[Action, float]:
        with self._lock:
            action = self._script.popleft() if self._script else self.fallback
            c = self.counters
            c.requests += 1
            c.in_flight += 1
            c.max_in_flight = max(c.max_in_flight, c.in_flight)
            c.log.append(type(action).__name__ if not isinstance(action, Status)
                         else f"Status({action.code})")
            return action, time.monotonic()

    def _end(self, started: float) -> None:
        with self._lock:
            self.counters.in_flight -= 1
            self.counters.spans.append((started, time.monotonic()))

    def _wait(self, seconds: float) -> None:
        self._closing.wait(seconds)


def _handler_for(server: FaultyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the openai client's connection pool expects

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet test output

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.path.endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            action, started = server._begin()
            try:
                _ACTIONS[type(action)](self, action, body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away (a killed worker)
            finally:
                server._end(started)

        def _send(self, code: int, payload: dict[str, Any],
                  headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def reply(self, action: Reply, body: dict[str, Any]) -> None:
            server._wait(action.delay)
            text = action.text(body)
            self._send(200, {
                "id": f"chatcmpl-{time.monotonic_ns()}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "faulty"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 7, "completion_tokens": len(text.split()),
                          "total_tokens": 7 + len(text.split())},
            })

        def status(self, action: Status, body: dict[str, Any]) -> None:
            headers = {}
            if action.retry_after is not None:
                headers["retry-after"] = f"{action.retry_after:g}"
            message = action.message or f"injected HTTP {action.code}"
            self._send(action.code, {"error": {"message": message, "type": "injected"}},
                       headers)

        def hang(self, action: Hang, body: dict[str, Any]) -> None:
            server._wait(action.seconds)
            self.close_connection = True  # drop it unanswered

        def raw(self, action: Raw, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("content-type", action.content_type)
            self.send_header("content-length", str(len(action.body)))
            self.end_headers()
            self.wfile.write(action.body)

    _ACTIONS: dict[type, Callable[[Handler, Any, dict[str, Any]], None]] = {
        Reply: Handler.reply, Status: Handler.status, Hang: Handler.hang, Raw: Handler.raw,
    }
    return Handler
