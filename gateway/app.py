"""The FastAPI application: ``create_app(settings)``; ``aigc serve`` runs it with uvicorn.

Building the app connects to nothing: Redis is reached on the first request, plugins are
loaded at start-up (so the first request does not pay for it).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from aigc_core.config import Settings, load_settings
from aigc_core.plugins import aigc_version

from . import errors
from .body_limit import BodyLimit
from .console import job, login, queue, submit
from .console.web import Console
from .metrics import RequestMetrics
from .routes import generators, health, history, jobs, metrics, review
from .service import Gateway

DESCRIPTION = """Queue aigc jobs over HTTP, from services in any language, onto the same
queues the Python client uses, and read the same results. See docs/http-api.md."""


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    gateway: Gateway = app.state.gateway
    await run_in_threadpool(lambda: gateway.client.engine)  # load plugins once, now
    gateway.watcher.start()
    try:
        yield
    finally:
        await gateway.watcher.stop()
        gateway.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    gateway = Gateway(settings or load_settings())
    app = FastAPI(
        title="aigc gateway", version=aigc_version(), description=DESCRIPTION,
        lifespan=_lifespan, separate_input_output_schemas=False,
        # Operation ids are the route functions' names (submit_job, get_job, ...): what
        # client generators name their methods after.
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.gateway = gateway
    app.state.console = Console(gateway)
    errors.install(app)
    for module in (generators, jobs, history, review, health, metrics):
        app.include_router(module.router)
    for page in (login, queue, job, submit):
        app.include_router(page.router)
    app.mount("/ui/static", StaticFiles(packages=[("aigc_gateway.console", "static")]),
              name="console-static")
    # Outermost first: count every request, then refuse oversized bodies.
    app.add_middleware(BodyLimit, max_bytes=gateway.settings.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=gateway.metrics)
    return app
