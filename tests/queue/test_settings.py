"""Queue settings: refused when unsafe, credentials and TLS wired through to Redis and Celery."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
from redis.exceptions import AuthenticationError

from aigc_core import ConfigError, Job
from aigc_core.config import load_settings
from aigc_workers.app import create_app
from aigc_workers.client import Client
from aigc_workers.settings import QueueSettings, queue_settings
from tests.queue.conftest import REDIS_PASSWORD, RedisServer


def test_defaults_are_a_safe_fleet():
    settings = QueueSettings()
    settings.check_fleet()
    assert settings.queue_name("vllm") == "aigc.vllm"
    assert settings.connection_url() == "redis://127.0.0.1:6379/0"
    assert settings.ssl_options() is None


def test_a_visibility_timeout_shorter_than_a_job_may_run_is_refused():
    settings = QueueSettings(hard_time_limit=900, visibility_timeout=600)
    with pytest.raises(ConfigError, match=r"queue.visibility_timeout \(600s\) must be at least "
                                          r"hard_time_limit \+ visibility_margin \(960s\)"):
        settings.check_fleet()


@pytest.mark.parametrize(("table", "field"), [
    ({"soft_time_limit": 900, "hard_time_limit": 900}, "soft_time_limit (900s) must be below"),
    ({"redis_url": "http://localhost"}, "queue.redis_url"),
    ({"redis_ulr": "redis://x"}, "queue.redis_ulr"),
    ({"max_attempts": 0}, "queue.max_attempts"),
])
def test_bad_settings_are_named(table: dict[str, Any], field: str):
    with pytest.raises(ConfigError) as refused:
        queue_settings(load_settings(queue=table))
    assert field in str(refused.value)


def test_the_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    settings = QueueSettings(redis_url="redis://cache:6379/2", password_env="AIGC_TEST_PW",
                             username="fleet")
    with pytest.raises(ConfigError, match="AIGC_TEST_PW"):
        settings.connection_url()
    monkeypatch.setenv("AIGC_TEST_PW", "p@ss/word")
    assert settings.connection_url() == "redis://fleet:p%40ss%2Fword@cache:6379/2"


def test_tls_options_reach_redis_and_celery(tmp_path: Path):
    settings = load_settings(queue={"redis_url": "rediss://cache:6380/0",
                                    "ssl_ca_certs": str(tmp_path / "ca.pem")})
    conf = create_app(settings).conf
    expected = {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": str(tmp_path / "ca.pem")}
    assert conf.broker_use_ssl == conf.redis_backend_use_ssl == expected


def test_the_celery_app_is_configured_for_reliability():
    conf = create_app(load_settings(queue={"visibility_timeout": 4000})).conf
    assert conf.accept_content == conf.result_accept_content == ["json"]
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost) == (True, True)
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] == 4000
    assert conf.result_backend_transport_options["visibility_timeout"] == 4000
    # Flower sees workers' task events; nothing per job costs a Redis write beyond them.
    assert (conf.worker_send_task_events, conf.task_send_sent_event,
            conf.task_track_started) == (True, False, False)
    quiet = create_app(load_settings(queue={"task_events": False})).conf
    assert quiet.worker_send_task_events is False


@pytest.mark.e2e
@pytest.mark.timeout(120)
def test_a_worker_refuses_a_fleet_config_that_would_redeliver_running_jobs(
    queue_config: dict[str, Any], worker
):
    queue_config.update(hard_time_limit=10, visibility_timeout=10)
    refused = worker(ready=False)
    assert refused.proc.wait(60) == 2
    assert "queue.visibility_timeout (10s) must be at least" in refused.log()


@pytest.mark.e2e
@pytest.mark.timeout(120)
def test_jobs_run_over_tls_with_redis_auth(
    secure_redis: RedisServer, queue_config: dict[str, Any], queue_settings, worker,
    monkeypatch: pytest.MonkeyPatch,
):
    queue_config.update(redis_url=secure_redis.url, password_env="AIGC_TEST_REDIS_PW",
                        ssl_ca_certs=str(secure_redis.directory / "cert.pem"))
    worker(pool="threads", env={"AIGC_TEST_REDIS_PW": REDIS_PASSWORD})
    monkeypatch.setenv("AIGC_TEST_REDIS_PW", REDIS_PASSWORD)
    with Client(queue_settings()) as client:
        job_id = client.submit(Job(generator="qtest.work", model="qtest",
                                   input={"text": "over tls"}))
        assert client.result(job_id, timeout=60).text == "over tls"
    monkeypatch.setenv("AIGC_TEST_REDIS_PW", "wrong")
    with Client(queue_settings()) as client, pytest.raises(AuthenticationError):
        client.status(job_id)  # at once: a refused login is not retried like an outage
