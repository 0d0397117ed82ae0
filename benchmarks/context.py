"""What every benchmark gets: the fleet of processes, the run's options, the model server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from .fleet import Fleet, SimHandle
from .sim_server import SimConfig


@dataclass(frozen=True)
class Endpoint:
    """The model server a benchmark talks to: a simulated one (``sim`` set) or an external
    OpenAI-compatible one given with ``--server`` (vLLM, llama.cpp, ...)."""

    url: str
    model: str
    sim: SimHandle | None = None

    def reset(self) -> None:
        if self.sim is not None:
            self.sim.reset()

    def stats(self) -> dict[str, object]:
        return self.sim.stats() if self.sim is not None else {}


@dataclass
class Context:
    fleet: Fleet
    quick: bool = False
    #: Multiplies every simulated duration (0.5: the simulated server runs twice as fast).
    time_scale: float = 1.0
    #: An external server's base URL and model id; ``None``: the simulated server.
    server: str | None = None
    model: str = "sim"

    def endpoint(self, config: SimConfig | None = None, name: str = "sim") -> Endpoint:
        """The simulated server with ``config`` (scaled by ``time_scale``), or the external
        one if the run was given ``--server``."""
        if self.server is not None:
            return Endpoint(self.server, self.model)
        sim = self.simulated(config or SimConfig(), name)
        return Endpoint(sim.url, "sim", sim)

    def simulated(self, config: SimConfig, name: str = "sim") -> SimHandle:
        """A simulated server even with ``--server``: for benchmarks that need its faults,
        zero latency or unlimited slots."""
        return self.fleet.sim(config.model_copy(update={"time_scale": self.time_scale}), name)


def tag(prefix: str) -> str:
    """A job-id prefix unique to one run (job ids must not repeat across runs)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
