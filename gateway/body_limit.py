"""Refuse request bodies over ``max_body_bytes`` with 413, declared or streamed (chunked)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError, error_response


def too_large(limit: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"the request body is over {limit} bytes")


class BodyLimit:
    """ASGI middleware: the declared ``Content-Length`` is checked before anything is read;
    a body without one is counted as it arrives and cut off at the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            error = too_large(self.max_bytes)
            response = error_response(413, error.code, str(error.detail))
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTP error, so the framework answers it instead of calling it a
                    # malformed body.
                    raise too_large(self.max_bytes)
            return message

        await self.app(scope, counted, send)
