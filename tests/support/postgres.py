"""A private, throwaway PostgreSQL server for tests (Debian's binaries, a temporary directory).

``PostgresServer`` runs ``initdb`` into a temporary directory and ``pg_ctl`` against it: trust
authentication for the ``postgres`` role, TCP on 127.0.0.1 only (a free port, kept across
restarts), the Unix socket in the same temporary directory, and durability traded for speed
where only a machine crash would show it (``fsync`` and ``full_page_writes`` off: the
operating system still holds what the server wrote). ``stop()`` is a clean (fast) shutdown,
``kill()`` an immediate one, i.e. a server crash: the next ``start()`` runs crash recovery, and
every commit acknowledged before the kill is there (``synchronous_commit`` stays on: the
fault tests count rows written just before the kill).

Running as root (CI), ``initdb`` refuses to run, so the binaries run as the ``postgres`` system
user (``runuser``, else ``setpriv``) and the temporary directory is handed to it.

psycopg is imported only when a server is used, so that importing this module (``conftest``
does) needs nothing beyond the standard library and pytest.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.ports import free_port, port_open, wait_until

#: Speed over durability: nothing here has to survive the machine, only the server process.
FAST_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "full_page_writes": "off",
}

INSTALL_HINT = "apt-get install postgresql; scripts/setup.sh installs it"
SYSTEM_USER = "postgres"


def _version_key(path: Path) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` -> ``(15,)``; unparsable versions sort first."""
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (-1,)


def find_binaries() -> tuple[Path, Path]:
    """``initdb`` and ``pg_ctl`` of the newest /usr/lib/postgresql/*/bin, else from PATH;
    skips the test when PostgreSQL is not installed."""
    versions = sorted((d for d in Path("/usr/lib/postgresql").glob("*/bin")
                       if (d / "initdb").is_file() and (d / "pg_ctl").is_file()),
                      key=_version_key)
    if versions:
        return versions[-1] / "initdb", versions[-1] / "pg_ctl"
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb), Path(pg_ctl)
    pytest.skip(f"PostgreSQL (initdb, pg_ctl) is not installed ({INSTALL_HINT})")


def _psycopg() -> ModuleType:
    return pytest.importorskip("psycopg", reason='psycopg is not installed '
                               '(pip install "psycopg[binary]>=3.1", or the dev extra)')


def _utf8_locale() -> str:
    """C.UTF-8 where the C library has it (glibc 2.35+ always does), else plain C."""
    try:
        names = subprocess.run(["locale", "-a"], capture_output=True, text=True,
                               check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return "C"
    wanted = {"c.utf8", "c.utf-8"}
    return "C.UTF-8" if any(name.lower() in wanted for name in names) else "C"


def _as_postgres_prefix() -> list[str]:
    """The command prefix that runs a binary as the postgres system user (root only)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pytest.skip(f"running as root and there is no {SYSTEM_USER!r} system user to run "
                    f"PostgreSQL as ({INSTALL_HINT})")
    if shutil.which("runuser"):
        return ["runuser", "-u", SYSTEM_USER, "--"]
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={SYSTEM_USER}", f"--regid={SYSTEM_USER}",
                "--init-groups", "--"]
    pytest.skip("running as root and neither runuser nor setpriv is available to run "
                "PostgreSQL as an unprivileged user")


@dataclass
class PostgresServer:
    """A PostgreSQL cluster in its own temporary directory, started and stopped by pg_ctl.

    ``start()`` creates the cluster on first use; ``cleanup()`` stops the server and deletes
    the directory (also on leaving a ``with`` block).
    """

    port: int = field(default_factory=free_port)
    #: Extra server settings (``-c name=value``), over ``FAST_SETTINGS``.
    settings: dict[str, str] = field(default_factory=dict)
    start_timeout: float = 30.0
    directory: Path = field(init=False)
    running: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._initdb, self._pg_ctl = find_binaries()
        self._prefix = _as_postgres_prefix()
        self.directory = Path(tempfile.mkdtemp(prefix="aigc-pg-"))
        if self._prefix:  # root: the postgres user owns the cluster and the socket directory
            shutil.chown(self.directory, SYSTEM_USER, SYSTEM_USER)
        self._initialised = False

    # -- addresses -------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def log_file(self) -> Path:
        return self.directory / "postgres.log"

    def url_for(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` maintenance database."""
        return self.url_for("postgres")

    def conninfo(self, database: str = "postgres") -> str:
        """A libpq URL for ``psycopg.connect``."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    # -- lifecycle -------------------------------------------------------------------------

    def _run(self, *args: str | Path, timeout: float) -> subprocess.CompletedProcess[str]:
        # cwd: the postgres user may not enter the test's (private) working directory.
        return subprocess.run([*self._prefix, *map(str, args)], cwd=self.directory,
                              capture_output=True, text=True, timeout=timeout, check=False)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no server log)"

    def _initialise(self) -> None:
        done = self._run(self._initdb, "-D", self.data_dir, "--auth=trust", "-U", "postgres",
                         "--encoding=UTF8", f"--locale={_utf8_locale()}", "--no-sync",
                         timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}):\n"
                               f"{(done.stdout + done.stderr)[-3000:]}")
        self._initialised = True

    def _options(self) -> str:
        settings = {
            **FAST_SETTINGS,
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.directory),
            **self.settings,
        }
        return " ".join(f"-c {shlex.quote(f'{key}={value}')}" for key, value in settings.items())

    def start(self) -> None:
        """Start the server (creating the cluster on first use) and wait until ``SELECT 1``
        answers, for at most ``start_timeout`` seconds."""
        if self.running:
            raise RuntimeError("PostgreSQL is already running")
        if not self._initialised:
            self._initialise()
        done = self._run(self._pg_ctl, "start", "-D", self.data_dir, "-l", self.log_file,
                         "-w", "-t", str(int(self.start_timeout)), "-o", self._options(),
                         timeout=self.start_timeout + 10)
        if done.returncode != 0:
            raise RuntimeError(
                f"pg_ctl start failed ({done.returncode}) on port {self.port}:\n"
                f"{(done.stdout + done.stderr).strip()}\n--- server log ---\n{self.log_tail()}")
        self.running = True
        try:
            wait_until(self._answers, self.start_timeout, f"PostgreSQL on port {self.port}")
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}\n--- server log ---\n{self.log_tail()}") from None

    def _answers(self) -> bool:
        if not port_open(self.port):
            return False
        psycopg = _psycopg()
        try:
            with psycopg.connect(self.conninfo(), connect_timeout=2) as conn:
                return conn.execute("SELECT 1").fetchone() == (1,)
        except psycopg.OperationalError:
            return False

    def _stop(self, mode: str) -> None:
        if not self.running:
            return
        done = self._run(self._pg_ctl, "stop", "-D", self.data_dir, "-m", mode, "-w",
                         "-t", "30", timeout=40)
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl stop -m {mode} failed ({done.returncode}):\n"
                               f"{(done.stdout + done.stderr).strip()}\n"
                               f"--- server log ---\n{self.log_tail()}")
        self.running = False

    def stop(self) -> None:
        """A clean shutdown (``-m fast``: sessions are disconnected, a checkpoint is written)."""
        self._stop("fast")

    def kill(self) -> None:
        """A crash (``-m immediate``): no checkpoint; the next ``start()`` recovers from WAL."""
        self._stop("immediate")

    def restart(self) -> None:
        """A clean stop and a start, on the same port with the same data."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Stop the server (immediately: its data is thrown away) and delete its directory."""
        try:
            self.kill()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # -- databases -------------------------------------------------------------------------

    def _admin(self, statement: Any) -> None:
        psycopg = _psycopg()
        with psycopg.connect(self.conninfo(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    def create_database(self, name: str) -> str:
        """Create ``name`` (owned by postgres) and return its SQLAlchemy URL."""
        from psycopg import sql

        self._admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` if it exists, disconnecting its sessions (e.g. a pool left open)."""
        from psycopg import sql

        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
