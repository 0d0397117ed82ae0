"""Shared fixtures: engines with a scripted backend, the real embedded model, real servers
(llama.cpp, PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aigc_core import Engine
from aigc_core.backends.local import embedded_model_path
from aigc_core.config import load_settings
from aigc_core.testing import scripted_engine
from tests.support.ports import free_port, port_open, wait_until
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def _data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user data directory of the whole run: where the default ledger is."""
    return tmp_path_factory.mktemp("data-home")


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, _data_home: Path) -> None:
    """No test reads the developer's aigc.toml or AIGC_* variables, or writes to their ledger:
    inline runs are recorded in one ledger of the test run's own."""
    for key in list(os.environ):
        if key.startswith("AIGC_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_DATA_HOME", str(_data_home))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def make_engine():
    """``make_engine(*generators, hooks={...}, **settings)``: an engine with only the given
    generators (no entry-point plugins) whose default model is the scripted backend."""
    return scripted_engine


@pytest.fixture(scope="session")
def local_engine() -> Engine:
    """The real engine: installed plugins and the embedded SmolLM2 as the default model."""
    return Engine(load_settings())


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """A real llama.cpp OpenAI-compatible server with the embedded model, on loopback."""
    port = free_port()
    log = open(os.devnull, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_model_path()),
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
         "--model_alias", "smollm2"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: port_open(port), 60, "llama_cpp.server")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL server (Debian's binaries, a temporary directory) for the session;
    skips where PostgreSQL is not installed. Tests may ``stop()``, ``kill()`` and ``start()`` it."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The SQLAlchemy URL of a fresh database of the test's own, dropped afterwards."""
    if not postgres_server.running:  # an earlier test left it stopped
        postgres_server.start()
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        if not postgres_server.running:  # this test stopped or killed it
            postgres_server.start()
        postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def hello_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The third-party test plugin, pip-installed into its own directory (not the venv).

    Its directory is put on ``sys.path`` for in-process tests; subprocesses get it through
    ``PYTHONPATH`` (see ``plugin_env``).
    """
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(ROOT / "tests" / "fixtures" / "aigc-hello")],
        check=True,
    )
    sys.path.insert(0, str(target))
    try:
        yield target
    finally:
        sys.path.remove(str(target))


@pytest.fixture
def plugin_env(hello_plugin: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGC_")}
    env["PYTHONPATH"] = os.pathsep.join([str(hello_plugin), str(ROOT)])
    return env
