"""Redis refusing our credentials, or us refusing its certificate: ``aigc submit`` and
``aigc worker`` say so at once in one line naming the setting to fix, and the worker exits
(systemd restarts it) instead of retrying forever. Unreachable Redis is still waited for."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from aigc_core.cli.main import cli
from tests.queue.conftest import (
    REDIS_PASSWORD,
    TEST_QUEUE_SETTINGS,
    RedisServer,
    self_signed,
    worker_env,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

PASSWORD_ENV = "AIGC_TEST_REDIS_PW"

#: Each way of getting the login wrong: the queue settings, the environment, what went
#: wrong and the setting the message must name.
REFUSED_LOGINS = {
    "wrong password": ({"password_env": PASSWORD_ENV}, {PASSWORD_ENV: "not-it"},
                       "authentication failed", "queue.password_env"),
    "no password": ({}, {}, "authentication failed", "queue.password_env"),
    "unknown user": ({"password_env": PASSWORD_ENV, "username": "nobody"},
                     {PASSWORD_ENV: REDIS_PASSWORD}, "authentication failed", "queue.username"),
    "user without rights": ({"password_env": PASSWORD_ENV, "username": "pinger"},
                            {PASSWORD_ENV: REDIS_PASSWORD}, "permission denied",
                            "queue.username"),
}


@pytest.fixture
def queue_config() -> dict[str, Any]:
    """No Redis of its own: each test points it at the Redis it needs."""
    return dict(TEST_QUEUE_SETTINGS)


@pytest.fixture
def env_for(queue_config: dict[str, Any], models_config: dict[str, Any],
            enabled_plugins: list[str], plugin_dirs: list[Path], qtest_log: Path):
    """The environment of an ``aigc`` process with this test's settings, plus ``extra``."""
    return lambda extra: {**worker_env(queue_config, models_config, enabled_plugins,
                                       plugin_dirs, qtest_log), **extra}


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


@pytest.mark.parametrize("case", REFUSED_LOGINS)
def test_submit_refused_by_redis_says_which_setting_to_fix(
    case: str, locked_redis: RedisServer, queue_config: dict[str, Any], env_for,
):
    settings, extra_env, reason, setting = REFUSED_LOGINS[case]
    queue_config.update(redis_url=locked_redis.url, **settings)
    done = subprocess.run(
        [sys.executable, "-m", "aigc_core.cli", "submit", "qtest.work", "-m", "qtest",
         "-p", "text=hi"], env=env_for(extra_env), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    line = one_line_error(done.stderr)
    assert reason in line and setting in line
    assert f"127.0.0.1:{locked_redis.port}" in line
    assert REDIS_PASSWORD not in line and "not-it" not in line


@pytest.mark.parametrize("case", ["another CA", "no such file"])
def test_a_wrong_ca_fails_at_once_naming_ssl_ca_certs(
    case: str, secure_redis: RedisServer, queue_config: dict[str, Any], env_for,
    tmp_path: Path,
):
    other_ca = (self_signed(tmp_path, "other-ca")[0] if case == "another CA"
                else tmp_path / "no-such-ca.pem")
    queue_config.update(redis_url=secure_redis.url, password_env=PASSWORD_ENV,
                        ssl_ca_certs=str(other_ca))
    started = time.monotonic()
    # In-process, so that the time is the command's own, not Python's start-up.
    done = CliRunner().invoke(cli, ["status", "some-job"],
                              env=env_for({PASSWORD_ENV: REDIS_PASSWORD}))
    elapsed = time.monotonic() - started
    assert done.exit_code == 2, done.output
    line = one_line_error(done.stderr)
    assert "queue.ssl_ca_certs" in line and str(other_ca) in line
    assert elapsed < 5, f"a TLS mistake is not an outage; it took {elapsed:.1f}s"


@pytest.mark.parametrize("case", ["wrong password", "another CA"])
def test_a_worker_refused_by_redis_exits_instead_of_retrying(
    case: str, request: pytest.FixtureRequest, queue_config: dict[str, Any], worker,
    tmp_path: Path,
):
    if case == "wrong password":
        redis = request.getfixturevalue("locked_redis")
        queue_config.update(redis_url=redis.url, password_env=PASSWORD_ENV)
        env, setting = {PASSWORD_ENV: "not-it"}, "queue.password_env"
    else:
        redis = request.getfixturevalue("secure_redis")
        other_ca, _ = self_signed(tmp_path, "other-ca")
        queue_config.update(redis_url=redis.url, password_env=PASSWORD_ENV,
                            ssl_ca_certs=str(other_ca))
        env, setting = {PASSWORD_ENV: REDIS_PASSWORD}, "queue.ssl_ca_certs"
    refused = worker(pool="threads", env=env, ready=False)
    try:
        code = refused.proc.wait(30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the worker still runs after 30 s:\n{refused.log()[-3000:]}")
    assert code == 2
    log = refused.log()
    assert setting in log and "Traceback" not in log, log[-3000:]


def test_a_worker_waits_for_an_unreachable_redis(
    queue_config: dict[str, Any], worker, tmp_path: Path,
):
    later = RedisServer(tmp_path / "later", args=("--requirepass", REDIS_PASSWORD))
    later.directory.mkdir()
    queue_config.update(redis_url=later.url, password_env=PASSWORD_ENV)
    waiting = worker(pool="threads", env={PASSWORD_ENV: REDIS_PASSWORD}, ready=False)
    try:
        time.sleep(4)
        assert waiting.alive(), waiting.log()[-3000:]
        later.start()
        waiting.wait_ready(60)
    finally:
        later.stop()
