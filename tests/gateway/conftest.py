"""A gateway against a real Redis: in-process (``api``, FastAPI's TestClient) or as a live
``aigc serve`` subprocess (``serve``), with the keys below.

``store`` plays the worker in tests that need none: ``begin``/``finish`` move a job through
its states exactly as a worker's delivery does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from aigc_core import Result
from aigc_core.config import Settings, load_settings
from aigc_core.jobs import Provenance, ResultStatus
from aigc_gateway.app import create_app
from aigc_gateway.keys import hash_key
from aigc_workers.settings import queue_settings
from aigc_workers.store import Store, connect
from tests.queue.conftest import (  # noqa: F401 - fixtures, registered by importing them
    ROOT,
    TEST_QUEUE_SETTINGS,
    RedisServer,
    qtest_log,
    qtest_plugin,
    running_redis,
    worker,
)
from tests.support.ports import free_port, wait_until

#: The test keys, in the clear (the settings hold only their hashes).
KEYS = {"alice": "aigc_alice-key", "bob": "aigc_bob-key", "ops": "aigc_ops-key",
        "rita": "aigc_rita-key", "ravi": "aigc_ravi-key"}

API_KEYS: dict[str, dict[str, Any]] = {
    "alice": {"sha256": hash_key(KEYS["alice"]), "rate_limit": 100_000},
    "bob": {"sha256": hash_key(KEYS["bob"]), "generators": ["hello.*"], "rate_limit": 100_000},
    "ops": {"sha256": hash_key(KEYS["ops"]), "see_all_jobs": True, "rate_limit": 100_000},
    # Reviewers (docs/review.md): they decide on any key's jobs under review.
    "rita": {"sha256": hash_key(KEYS["rita"]), "reviewer": True, "rate_limit": 100_000},
    "ravi": {"sha256": hash_key(KEYS["ravi"]), "reviewer": True, "rate_limit": 100_000},
}


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name]}"}


@pytest.fixture(scope="module")
def module_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for a test module (starting one per test costs more than the tests)."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_server(module_redis: RedisServer) -> RedisServer:
    """The module's Redis, emptied for each test (rate-limit windows, jobs, queues)."""
    connect(queue_settings(load_settings(queue={"redis_url": module_redis.url}))).flushall()
    return module_redis


@pytest.fixture
def enabled_plugins() -> list[str]:
    return ["qtest", "hello"]


@pytest.fixture
def plugin_dirs(qtest_plugin: Path, hello_plugin: Path) -> list[Path]:  # noqa: F811
    return [qtest_plugin, hello_plugin]


@pytest.fixture
def queue_config(redis_server: RedisServer) -> dict[str, Any]:
    return {"redis_url": redis_server.url, **TEST_QUEUE_SETTINGS}


@pytest.fixture
def models_config() -> dict[str, Any]:
    return {"default": {"backend": "local", "n_ctx": 2048}, "qtest": {"backend": "qtest"}}


@pytest.fixture
def gateway_config() -> dict[str, Any]:
    """The ``[gateway]`` table; tests override it to change limits."""
    return {"api_keys": API_KEYS, "poll_interval": 0.05}


@pytest.fixture
def settings(queue_config: dict[str, Any], models_config: dict[str, Any],
             enabled_plugins: list[str], gateway_config: dict[str, Any],
             plugin_dirs: list[Path]) -> Settings:
    return load_settings(queue=queue_config, models=models_config,
                         enable_plugins=enabled_plugins, gateway=gateway_config)


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    """The gateway app in-process, started (its lifespan runs) and stopped around the test."""
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    queue = queue_settings(settings)
    redis = connect(queue)
    yield Store(redis, queue)
    redis.close()


def succeed(store: Store, job_id: str, output_text: str = "done",
            status: ResultStatus = "succeeded", metadata: dict[str, Any] | None = None) -> Result:
    """Do what a worker does with a job: start it, then store its result (a succeeded one
    unless ``status`` says otherwise)."""
    job = store.status(job_id)
    store.begin(job_id, "test@host:1", 3, job.generator or "", job.model or "default")
    result = Result(job_id=job_id, status=status, text=output_text, metadata=metadata or {},
                    provenance=Provenance(generator=job.generator or "", plugin="qtest",
                                          plugin_version="1", model=job.model or "default"))
    assert store.finish(result).outcome == "stored"
    return result


@dataclass
class LiveGateway:
    """An ``aigc serve`` subprocess."""

    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def gateway_env(queue: dict[str, Any], models: dict[str, Any], plugins: list[str],
                plugin_dirs: list[Path], gateway: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGC_")}
    env.update({
        "AIGC_QUEUE": json.dumps(queue),
        "AIGC_MODELS": json.dumps(models),
        "AIGC_ENABLE_PLUGINS": ",".join(plugins),
        "AIGC_GATEWAY": json.dumps(gateway),
        "PYTHONPATH": os.pathsep.join([*map(str, plugin_dirs), str(ROOT),
                                       os.environ.get("PYTHONPATH", "")]),
    })
    return env


def start_gateway(env: dict[str, str], directory: Path) -> LiveGateway:
    """Start ``aigc serve`` on a free port and wait until it is ready (Redis reachable)."""
    port = free_port()
    log_path = directory / "gateway.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "aigc_core.cli", "serve", "--port", str(port),
             "--log-level", "warning"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=directory,
        )
    live = LiveGateway(f"http://127.0.0.1:{port}", proc, log_path)

    def ready() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"aigc serve exited:\n{live.log()[-4000:]}")
        try:
            return httpx.get(f"{live.url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:  # not listening yet
            return False

    try:
        wait_until(ready, 60, "aigc serve")
    except BaseException:
        stop_gateway(live)
        raise
    return live


def stop_gateway(live: LiveGateway) -> None:
    live.proc.send_signal(signal.SIGTERM)
    try:
        live.proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(live.proc.pid, signal.SIGKILL)
        live.proc.wait(10)


@pytest.fixture
def serve(queue_config: dict[str, Any], models_config: dict[str, Any],
          enabled_plugins: list[str], plugin_dirs: list[Path], gateway_config: dict[str, Any],
          tmp_path: Path) -> Iterator[Callable[[], LiveGateway]]:
    """``serve()`` starts ``aigc serve`` with this test's settings; stopped after the test."""
    started: list[LiveGateway] = []

    def start() -> LiveGateway:
        live = start_gateway(gateway_env(queue_config, models_config, enabled_plugins,
                                         plugin_dirs, gateway_config), tmp_path)
        started.append(live)
        return live

    try:
        yield start
    finally:
        for live in started:
            stop_gateway(live)
