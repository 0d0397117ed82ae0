"""The processes a benchmark runs: Redis, the simulated server, aigc workers, Celery workers.

Every process listens on 127.0.0.1 only, runs in its own process group, is killed if the
benchmark process dies (``PR_SET_PDEATHSIG``), and is killed when the ``Fleet`` closes.

    with Fleet(workdir) as fleet:
        redis = fleet.redis()
        sim = fleet.sim(SimConfig(time_scale=0.5))
        stack = Stack(redis.url, sim.url, limit=64)
        fleet.aigc_worker(stack, concurrency=64)
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from redis import Redis

from aigc_core.config import Settings, load_settings
from aigc_core.gates import GATES

from .sim_server import HOST, SimConfig

ROOT = Path(__file__).resolve().parents[1]
#: Benchmark jobs use the default model, so they go to this queue.
QUEUE = "aigc.default"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills it when the benchmark process dies."""
    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if check():
                return
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def plugin_site(directory: Path) -> Path:
    """A directory that makes ``benchmarks.plugin`` an installed aigc plugin named ``bench``.

    Plugins are found through entry points; this writes the distribution metadata that
    declares one, so neither a build nor the installed package is touched. Put the directory
    on ``sys.path`` (in-process clients) or ``PYTHONPATH`` (workers), with the repository root.
    """
    info = directory / "aigc_bench-0.0.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: aigc-bench\nVersion: 0.0.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text("[aigc]\nbench = benchmarks.plugin\n",
                                           encoding="utf-8")
    return directory


@dataclass(frozen=True)
class Stack:
    """The settings every worker and client of one measurement shares."""

    redis_url: str
    base_url: str
    model: str = "sim"
    #: ``queue.endpoint_limits.default``: the fleet-wide cap on calls in flight.
    limit: int | None = None
    queue_extra: dict[str, Any] = field(default_factory=dict)

    @property
    def queue(self) -> dict[str, Any]:
        limits = {"default": self.limit} if self.limit else {}
        return {"redis_url": self.redis_url, "endpoint_limits": limits, **self.queue_extra}

    @property
    def models(self) -> dict[str, Any]:
        return {"default": {"backend": "openai", "base_url": self.base_url, "model": self.model,
                            "timeout": 600}}

    def settings(self) -> Settings:
        return load_settings(queue=self.queue, models=self.models, enable_plugins=["bench"])

    def env(self, site: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIGC_")}
        env.update({
            "AIGC_QUEUE": json.dumps(self.queue),
            "AIGC_MODELS": json.dumps(self.models),
            "AIGC_ENABLE_PLUGINS": "bench",
            "AIGC_DISABLE_PLUGINS": "labels",  # as measured before: labelling is not benchmarked
            # The simulated server writes random words, which the content gates rightly
            # refuse; their cost is measured on real copy in section 8 (gates.py).
            "AIGC_GATES__OFF": json.dumps(sorted(GATES)),
            "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
        })
        return env


@dataclass
class Process:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the process and its children."""
        return sum(_cpu_ticks(pid) for pid in [self.pid, *_children(self.pid)]) / _TICKS

    def rss_mb(self) -> float:
        """Resident memory of the process and its children (a prefork pool), MiB."""
        return sum(_rss_kb(pid) for pid in [self.pid, *_children(self.pid)]) / 1024.0

    def stop(self, timeout: float = 0.0) -> None:
        """SIGTERM to the group and up to ``timeout`` seconds to exit, then SIGKILL.

        Benchmarks stop workers only once their jobs are done, and an idle ``aigc worker``
        waits out its whole soft-shutdown timeout on SIGTERM, so the default is SIGKILL at once.
        """
        if timeout and self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.proc.wait(10)


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((line for line in status.splitlines() if line.startswith("VmRSS:")), "")
    return int(line.split()[1]) if line else 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                # The command may hold spaces and parentheses: the ppid follows the last ")".
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


@dataclass
class RedisHandle:
    url: str
    client: Redis
    process: Process

    def used_memory(self) -> int:
        return int(self.client.info("memory")["used_memory"])


@dataclass
class SimHandle:
    url: str
    process: Process

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        root = self.url.removesuffix("/v1")
        response = httpx.request(method, f"{root}{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/stats")

    def reset(self) -> None:
        self._call("POST", "/stats/reset")

    def configure(self, **changes: Any) -> None:
        self._call("POST", "/config", changes)


class Fleet:
    """Starts processes and owns them: closing the fleet kills every one."""

    def __init__(self, workdir: Path, lifetime: float = 4 * 3600.0):
        self.workdir = workdir
        self.lifetime = lifetime
        self.site = plugin_site(workdir / "site")
        if str(self.site) not in sys.path:
            sys.path.insert(0, str(self.site))
        self._processes: list[Process] = []

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        while self._processes:
            self._processes.pop().stop()

    @contextlib.contextmanager
    def scope(self) -> Iterator[Fleet]:
        """Kill, on leaving, every process started inside (one benchmark's processes)."""
        mark = len(self._processes)
        try:
            yield self
        finally:
            while len(self._processes) > mark:
                self._processes.pop().stop()

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Process:
        log = self.workdir / f"{name}.log"
        cwd = self.workdir / name
        cwd.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                    env=env, start_new_session=True,
                                    preexec_fn=_die_with_parent)
        process = Process(name, proc, log)
        self._processes.append(process)
        return process

    def stop(self, process: Process) -> None:
        process.stop()
        if process in self._processes:
            self._processes.remove(process)

    def redis(self, name: str = "redis") -> RedisHandle:
        """A private redis-server run as operations.md says: AOF on, no eviction."""
        port = free_port()
        data = self.workdir / name / "data"
        data.mkdir(parents=True, exist_ok=True)
        process = self.spawn(name, [
            shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", HOST,
            "--dir", str(data), "--appendonly", "yes", "--appendfsync", "everysec",
            "--save", "", "--maxmemory-policy", "noeviction", "--protected-mode", "yes",
        ])
        wait_until(lambda: port_open(port), 20, f"redis-server on port {port}")
        url = f"redis://{HOST}:{port}/0"
        return RedisHandle(url, Redis.from_url(url), process)

    def sim(self, config: SimConfig, name: str = "sim") -> SimHandle:
        port = free_port()
        flags = [item for key, value in config.model_dump().items()
                 for item in (f"--{key.replace('_', '-')}", str(value))]
        process = self.spawn(name, [sys.executable, "-m", "benchmarks.sim_server",
                                    "--port", str(port), "--lifetime", str(self.lifetime),
                                    *flags], env={**os.environ, "PYTHONPATH": str(ROOT)})
        wait_until(lambda: port_open(port), 30, f"simulated server on port {port}")
        return SimHandle(f"http://{HOST}:{port}/v1", process)

    def aigc_worker(self, stack: Stack, concurrency: int, pool: str = "threads",
                    name: str = "worker", loglevel: str = "INFO") -> Process:
        """``aigc worker`` serving the benchmark queue, as operators start it."""
        process = self.spawn(name, [
            sys.executable, "-m", "aigc_core.cli", "worker", "--queues", QUEUE,
            "--pool", pool, "--concurrency", str(concurrency), "--loglevel", loglevel,
            "--hostname", f"{name}@%h",
        ], env=stack.env(self.site))
        self.wait_ready(process)
        return process

    def celery_worker(self, redis_url: str, flavour: str, concurrency: int,
                      name: str = "celery") -> Process:
        """A plain Celery worker running the no-op task (see ``celery_noop``)."""
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_REDIS_URL": redis_url,
               "BENCH_CELERY_FLAVOUR": flavour}
        process = self.spawn(name, [
            sys.executable, "-m", "celery", "-A", "benchmarks.celery_noop", "worker",
            "--queues", "noop", "--pool", "threads", "--concurrency", str(concurrency),
            "--loglevel", "INFO", "--hostname", f"{name}@%h", "--without-mingle",
            "--without-gossip",
        ], env=env)
        self.wait_ready(process)
        return process

    @staticmethod
    def wait_ready(process: Process, timeout: float = 180.0) -> None:
        def ready() -> bool:
            if not process.alive():
                raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
            return " ready." in process.tail(20_000)

        try:
            wait_until(ready, timeout, process.name)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{process.tail()}") from None


@contextlib.contextmanager
def rss_sampler(process: Process, interval: float, samples: list[tuple[float, float]]
                ) -> Iterator[None]:
    """Append ``(seconds, RSS MiB)`` of ``process`` every ``interval`` seconds meanwhile."""
    stop = threading.Event()
    started = time.monotonic()

    def sample() -> None:
        while not stop.wait(interval):
            samples.append((time.monotonic() - started, process.rss_mb()))

    thread = threading.Thread(target=sample, daemon=True, name="rss-sampler")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
