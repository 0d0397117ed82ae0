"""Real Redis servers and real ``aigc worker`` subprocesses for the queue tests.

``redis_server``: a private redis-server on a free loopback port, appendonly on (as operators
must run it), restartable with its data kept. ``queue_config`` / ``models_config`` /
``enabled_plugins`` / ``plugin_dirs``: the settings and plugins every worker and client of a
test shares (tests edit or override them before starting workers); ``queue_settings()`` builds
the matching ``Settings`` for an in-process ``Client``. ``worker(...)``: starts ``aigc worker``
subprocesses against that Redis and always cleans them up. ``qtest_plugin``: the deterministic
test plugin (``qtest.work`` on the ``qtest`` backend), pip-installed into its own directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from aigc_core.config import Settings, load_settings
from aigc_core.plugins import KEPT_ON
from aigc_workers.client import Client
from tests.queue.faulty_server import FaultyServer
from tests.support.ports import free_port, port_open, wait_until

ROOT = Path(__file__).resolve().parents[2]
QTEST_PACKAGE = Path(__file__).resolve().parent / "fixtures" / "aigc-qtest"

#: Short limits so that recovery from lost workers takes seconds, not the production hour.
#: (A new pool process loads its plugins before its first job, within the job's time limits.)
TEST_QUEUE_SETTINGS: dict[str, Any] = {
    "visibility_timeout": 11,
    "visibility_margin": 1,
    "restore_interval": 1,
    "soft_time_limit": 8,
    "hard_time_limit": 10,
    "max_attempts": 3,
    "soft_shutdown_timeout": 3,
}


@dataclass
class RedisServer:
    """A redis-server subprocess whose data (AOF) survives ``restart()``."""

    directory: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    #: Extra redis-server arguments, e.g. ``("--requirepass", "secret")``; with ``tls``,
    #: ``port`` is the TLS port and these must name the certificate files.
    args: tuple[str, ...] = ()
    tls: bool = False

    @property
    def url(self) -> str:
        return f"{'rediss' if self.tls else 'redis'}://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        if self.proc is not None:
            raise RuntimeError("redis-server is already running")
        log = (self.directory / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server",
             *(("--port", "0", "--tls-port") if self.tls else ("--port",)), str(self.port),
             "--bind", "127.0.0.1", "--dir", str(self.directory), "--appendonly", "yes",
             "--appendfsync", "always", "--save", "", "--protected-mode", "yes", *self.args],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until(self._listening, timeout, f"redis-server on port {self.port}")

    def _listening(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:  # e.g. a directive this build does not know
            self.proc = None
            log = (self.directory / "redis.log").read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"redis-server exited at start:\n{log[-2000:]}")
        return port_open(self.port)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 10.0) -> None:
        """SIGTERM is a clean shutdown; SIGKILL is a crash (appendfsync always keeps the data)."""
        if self.proc is None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)
        self.proc = None

    def restart(self, sig: signal.Signals = signal.SIGTERM, down_for: float = 0.0) -> None:
        self.stop(sig)
        time.sleep(down_for)
        self.start()


@contextlib.contextmanager
def running_redis(directory: Path, args: tuple[str, ...] = (),
                  tls: bool = False) -> Iterator[RedisServer]:
    """A redis-server of the test's own in ``directory``, killed afterwards."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (scripts/setup.sh installs it)")
    server = RedisServer(directory, args=args, tls=tls)
    try:
        server.start()
    except RuntimeError as exc:
        if tls and "tls-port" in str(exc):
            pytest.skip("this redis-server was built without TLS (it does not know --tls-port)")
        raise
    try:
        yield server
    finally:
        server.stop(signal.SIGKILL)


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


#: The password of ``locked_redis`` and ``secure_redis``.
REDIS_PASSWORD = "s3cret"


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA, and its key: each call makes an
    unrelated CA, so a client trusting one refuses a server presenting another."""
    cert, key = directory / f"{name}.pem", directory / f"{name}-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def locked_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """Redis that wants ``REDIS_PASSWORD`` (AUTH), without TLS; its ACL user ``pinger``
    (with that password too) may only PING."""
    with running_redis(tmp_path_factory.mktemp("locked_redis"), args=(
            "--requirepass", REDIS_PASSWORD,
            "--user", "pinger", "on", f">{REDIS_PASSWORD}", "~*", "+ping")) as server:
        yield server


@pytest.fixture
def secure_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """Redis with TLS only and a password, as on an untrusted network; its CA (its own
    certificate) is ``directory / "cert.pem"``."""
    directory = tmp_path_factory.mktemp("tls_redis")
    cert, key = self_signed(directory, "cert")
    with running_redis(directory, tls=True, args=(
            "--tls-cert-file", str(cert), "--tls-key-file", str(key), "--tls-ca-cert-file",
            str(cert), "--tls-auth-clients", "no", "--requirepass", REDIS_PASSWORD)) as server:
        yield server


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[Redis]:
    """A client of this test's Redis."""
    client = Redis.from_url(redis_server.url, socket_timeout=2)
    yield client
    client.close()


@pytest.fixture
def server() -> Iterator[FaultyServer]:
    """A fault-injecting chat server on loopback that answers normally until scripted."""
    with FaultyServer() as running:
        yield running


@pytest.fixture(scope="session")
def qtest_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The queue-test plugin pip-installed into its own directory, on ``sys.path`` for the
    in-process client and on ``PYTHONPATH`` for workers."""
    target = tmp_path_factory.mktemp("qtest_site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(QTEST_PACKAGE)],
        check=True,
    )
    sys.path.insert(0, str(target))
    try:
        yield target
    finally:
        sys.path.remove(str(target))


@pytest.fixture
def qtest_log(tmp_path: Path) -> Path:
    """The file the qtest backend appends ``start|end <pid> <text>`` lines to."""
    return tmp_path / "qtest-calls.log"


@pytest.fixture
def queue_config(redis_server: RedisServer) -> dict[str, Any]:
    """The ``[queue]`` table shared by this test's workers and clients."""
    return {"redis_url": redis_server.url, **TEST_QUEUE_SETTINGS}


@pytest.fixture
def models_config() -> dict[str, Any]:
    """The ``[models]`` table: ``default`` is the embedded model, ``qtest`` and ``qtest2`` the
    deterministic test backend (two models, so two queues)."""
    return {
        "default": {"backend": "local", "n_ctx": 2048},
        "qtest": {"backend": "qtest"},
        "qtest2": {"backend": "qtest"},
    }


@pytest.fixture
def enabled_plugins() -> list[str]:
    """Plugins workers and clients load (fewer plugins: faster pool-process start)."""
    return ["qtest"]


@pytest.fixture
def plugin_dirs(qtest_plugin: Path) -> list[Path]:
    """Directories of pip-installed test plugins, put on the workers' ``PYTHONPATH``."""
    return [qtest_plugin]


@pytest.fixture
def queue_settings(
    queue_config: dict[str, Any], models_config: dict[str, Any], enabled_plugins: list[str],
    plugin_dirs: list[Path],
) -> Callable[[], Settings]:
    """Settings for an in-process client, read when called (after a test's edits)."""
    return lambda: load_settings(queue=queue_config, models=models_config,
                                 enable_plugins=enabled_plugins)


def read_calls(log: Path) -> list[tuple[str, int, str]]:
    """The qtest backend's call log as ``(event, pid, text)``."""
    if not log.exists():
        return []
    calls = []
    for line in log.read_text(encoding="utf-8").splitlines():
        event, pid, text = line.split(" ", 2)
        calls.append((event, int(pid), text))
    return calls


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the ppid follows the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@dataclass
class WorkerHandle:
    """One ``aigc worker`` process (its own process group, with its pool children)."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def children(self) -> list[int]:
        """Pool processes (prefork); empty for the threads pool."""
        return _children(self.pid)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        def ready() -> bool:
            if not self.alive():
                raise RuntimeError(f"worker {self.name} exited:\n{self.log()[-4000:]}")
            return " ready." in self.log()

        try:
            wait_until(ready, timeout, f"worker {self.name}")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{self.log()[-4000:]}") from None

    def kill(self, sig: signal.Signals = signal.SIGKILL, whole: bool = False) -> None:
        """Signal the main process, or with ``whole`` every process of the worker."""
        if not self.alive():
            return
        if whole:
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (soft shutdown), then SIGKILL everything left after ``timeout``."""
        self.kill(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout)
        return self.destroy()

    def destroy(self) -> int:
        """SIGKILL the whole process group, orphaned pool children included."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.wait(10)


def worker_env(queue: dict[str, Any], models: dict[str, Any], plugins: list[str],
               plugin_dirs: list[Path], calls_log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGC_")}
    env.update({
        "AIGC_QUEUE": json.dumps(queue),
        "AIGC_MODELS": json.dumps(models),
        "AIGC_ENABLE_PLUGINS": ",".join(plugins),
        "AIGC_QTEST_LOG": str(calls_log),
        "PYTHONPATH": os.pathsep.join([*map(str, plugin_dirs), str(ROOT)]),
    })
    # An enable list keeps labelling on: unless the test enables it, it is kept out by name,
    # so echoed texts come back as sent.
    kept_on = sorted(KEPT_ON - set(plugins))
    if kept_on:
        env["AIGC_DISABLE_PLUGINS"] = ",".join(kept_on)
    return env


@pytest.fixture
def worker(
    queue_config: dict[str, Any], models_config: dict[str, Any], enabled_plugins: list[str],
    plugin_dirs: list[Path], qtest_log: Path, tmp_path: Path,
) -> Iterator[Callable[..., WorkerHandle]]:
    """``worker(queues=("aigc.qtest",), concurrency=1, pool="prefork", env=None, args=(),
    ready=True)`` starts ``aigc worker`` and waits until it consumes (``concurrency=None``:
    the worker's default)."""
    handles: list[WorkerHandle] = []

    def start(queues: tuple[str, ...] | list[str] = ("aigc.qtest",), concurrency: int | None = 1,
              pool: str = "prefork", env: dict[str, str] | None = None,
              args: tuple[str, ...] = (), ready: bool = True) -> WorkerHandle:
        name = f"w{len(handles) + 1}"
        log_path = tmp_path / f"worker-{name}.log"
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "aigc_core.cli", "worker", "--queues", ",".join(queues),
                 *(("--concurrency", str(concurrency)) if concurrency else ()),
                 "--pool", pool, "--loglevel", "INFO",
                 "--hostname", f"{name}@%h", *args],
                env={**worker_env(queue_config, models_config, enabled_plugins, plugin_dirs,
                                  qtest_log), **(env or {})},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path,
            )
        handle = WorkerHandle(name, proc, log_path)
        handles.append(handle)
        if ready:
            handle.wait_ready()
        return handle

    try:
        yield start
    finally:
        for handle in handles:
            handle.destroy()


@pytest.fixture
def client(queue_settings: Callable[[], Settings]) -> Iterator[Client]:
    """A ``Client`` of this test's Redis, with the test settings (built when first used)."""
    with Client(queue_settings()) as made:
        yield made


def texts_run(log: Path, event: str = "end") -> dict[str, int]:
    """How many model calls reached ``event`` for each job text."""
    counts: dict[str, int] = {}
    for seen, _, text in read_calls(log):
        if seen == event:
            counts[text] = counts.get(text, 0) + 1
    return counts
