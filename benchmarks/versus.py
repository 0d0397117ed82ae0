"""B against F at one concurrency: the same work, the same server, back to back.

F runs on fresh ``aigc worker --pool threads`` processes with C threads in all, at most
PER_WORKER each (as operations.md runs them: ``-c 64`` per process), and
``endpoint_limits.default = C``, the fleet-wide cap; B is ``load.direct`` with C callers.
Which goes first alternates between calls, so that a drifting load on the machine does not
always favour the same side.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aigc_workers.client import Client

from .context import Context, Endpoint, tag
from .fleet import Stack
from .load import Run, Work, direct, through_fleet, warm_up

#: Bound on one run; far above any run of the suite, so only a hung fleet reaches it.
RUN_TIMEOUT = 600.0
#: Most threads per worker process.
PER_WORKER = 64


@dataclass
class Pair:
    concurrency: int
    b: Run
    f: Run
    b_server: dict[str, Any] = field(default_factory=dict)
    f_server: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.f.tokens_per_s / self.b.tokens_per_s if self.b.tokens_per_s else 0.0


@contextmanager
def fleet_client(ctx: Context, redis_url: str, endpoint: Endpoint, concurrency: int
                 ) -> Iterator[Client]:
    """Fresh workers with ``concurrency`` threads in all (at most PER_WORKER each), warmed up,
    and a client of theirs; the workers stop when the block ends."""
    stack = Stack(redis_url, endpoint.url, endpoint.model, limit=concurrency)
    processes = -(-concurrency // PER_WORKER)
    workers = [ctx.fleet.aigc_worker(stack, -(-concurrency // processes),
                                     name=tag(f"worker-c{concurrency}"))
               for _ in range(processes)]
    try:
        with Client(stack.settings()) as client:
            warm_up(client, min(concurrency, 8), tag("warm"))
            yield client
    finally:
        for worker in workers:
            ctx.fleet.stop(worker)


def measure(ctx: Context, redis_url: str, endpoint: Endpoint, work: Work, concurrency: int,
            b_first: bool) -> Pair:
    with fleet_client(ctx, redis_url, endpoint, concurrency) as client:

        def run_b() -> tuple[Run, dict[str, Any]]:
            endpoint.reset()
            return direct(endpoint.url, endpoint.model, work, concurrency), endpoint.stats()

        def run_f() -> tuple[Run, dict[str, Any]]:
            endpoint.reset()
            run = through_fleet(client, work, tag(f"f{concurrency}"), RUN_TIMEOUT)
            return run, endpoint.stats()

        if b_first:
            b, b_server = run_b()
            f, f_server = run_f()
        else:
            f, f_server = run_f()
            b, b_server = run_b()
    return Pair(concurrency, b, f, b_server, f_server)
