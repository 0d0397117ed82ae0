"""Request bodies nested deeper than the JSON parser can recurse, refused like any other.

Python's parser raises ``RecursionError`` about a thousand levels down (FastAPI then answers a
bare 400 that names nothing). ``JsonRoute`` parses such a body again with each value nested
deeper than ``CUT`` levels replaced by ``0``: every field around it is still deeper than
``MAX_NESTING``, so the request models refuse it as they refuse one nested 40 levels, with a
422 naming the field (``metadata``, ``jobs[2].input``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from aigc_core.jobs import MAX_NESTING

#: Levels kept. The fields that hold free-form JSON sit at most 3 levels down the body
#: (``jobs[i].metadata``), so what is left of them is still over MAX_NESTING; and it is far
#: below the parser's recursion limit.
CUT = 2 * MAX_NESTING

#: A string (also one left open at the end), an opening bracket (group 1), a closing one.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|([\[{])|[\]}]', re.DOTALL)


def loads_cut(body: bytes) -> Any:
    """The body as JSON, each value that opens deeper than ``CUT`` levels read as ``0``."""
    # Decoded as json.loads decodes bytes.
    return json.loads(cut(body.decode(json.detect_encoding(body), "surrogatepass")))


def cut(text: str) -> str:
    """``text`` with each value that opens deeper than ``CUT`` levels replaced by ``0`` and
    spaces: the same length, so that a JSON error in it is at the body's own position."""
    pieces: list[str] = []
    depth, kept, cut_from = 0, 0, 0  # kept: where the text not yet in pieces starts
    for token in _TOKEN.finditer(text):
        if token[1]:
            depth += 1
            if depth == CUT + 1:
                cut_from = token.start()
        elif token[0][0] != '"':
            if depth == CUT + 1:
                pieces += (text[kept:cut_from], "0".ljust(token.end() - cut_from))
                kept = token.end()
            depth -= 1
    if depth > CUT:  # left open at the end: invalid JSON, which the parser will say
        pieces += (text[kept:cut_from], "0")
        kept = len(text)
    pieces.append(text[kept:])
    return "".join(pieces)


class JsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body)
            except RecursionError:
                if not self._known_key():
                    # The body is read before the key is checked: a caller without a key
                    # gets its 401 without costing the gateway the pass below.
                    self._json = {}
                    return self._json
                # Cutting costs a pass of Python over the body (about 0.3 s a MiB): in a
                # thread, so that other requests are served meanwhile.
                self._json = await run_in_threadpool(loads_cut, body)
        return self._json

    def _known_key(self) -> bool:
        scheme, _, key = self.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and \
            self.app.state.gateway.keys.find(key.strip()) is not None


class JsonRoute(APIRoute):
    """A route whose JSON body is read by ``JsonRequest`` (FastAPI's documented way to
    change how a route reads its request)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def json_handler(request: Request) -> Response:
            return await handler(JsonRequest(request.scope, request.receive))

        return json_handler
