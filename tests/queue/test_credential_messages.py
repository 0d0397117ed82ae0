"""``credentials.refusal``: which Redis errors are configuration mistakes, and their wording.
(test_credentials.py has the same against real Redis servers, through each entrance.)"""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from redis.exceptions import (
    AuthenticationError,
    ConnectionError,
    NoPermissionError,
    ResponseError,
    TimeoutError,
)

from aigc_core import ConfigError
from aigc_workers.credentials import explained, is_transient, refusal
from aigc_workers.settings import QueueSettings

SETTINGS = QueueSettings(redis_url="rediss://redis.internal:6380/0", username="fleet",
                         password_env="FLEET_REDIS_PW", ssl_ca_certs=Path("/etc/aigc/ca.pem"))


def caused(error: BaseException, cause: BaseException) -> BaseException:
    """``error`` as redis-py raises it: ``raise error from cause``."""
    error.__cause__ = cause
    return error


def unverified(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"certificate verify failed: {message}")
    error.verify_code, error.verify_message = code, message
    return error


@pytest.mark.parametrize(("error", "reason", "names"), [
    (AuthenticationError("invalid username-password pair or user is disabled."),
     "authentication failed", ("queue.username", "queue.password_env")),
    # A login error as a plain reply, however it reached us.
    (ResponseError("NOAUTH Authentication required."), "authentication failed",
     ("queue.username", "queue.password_env")),
    (ResponseError("invalid username-password pair", status_code="WRONGPASS"),
     "authentication failed", ("queue.username", "queue.password_env")),
    (NoPermissionError("this user has no permissions to run the 'evalsha' command"),
     "permission denied", ("queue.username",)),
    (caused(ConnectionError("Error 1 connecting"), unverified(18, "self-signed certificate")),
     "certificate verification failed (self-signed certificate)", ("queue.ssl_ca_certs",)),
    (caused(ConnectionError("Error 1 connecting"), unverified(62, "Hostname mismatch")),
     "certificate verification failed (Hostname mismatch)", ("queue.redis_url",)),
    (caused(ConnectionError("Error 2 connecting"), FileNotFoundError(2, "No such file")),
     "TLS set-up failed", ("queue.ssl_ca_certs",)),
])
def test_configuration_mistakes_name_the_setting(error: Exception, reason: str,
                                                 names: tuple[str, ...]):
    refused = refusal(error, SETTINGS)
    assert refused is not None and isinstance(refused, ConfigError)
    assert (refused.reason, refused.names) == (reason, names)
    line = str(refused)
    assert line.startswith(f"Redis at redis.internal:6380: {reason}: ") and "\n" not in line
    assert all(name in line for name in names)
    assert not is_transient(error)
    # What HTTP clients see: what failed and what to fix, no address, variable or file.
    assert refused.summary == f"Redis {reason}; fix {' or '.join(names)}"


def test_the_login_messages_say_what_to_change():
    wrong = str(refusal(AuthenticationError("invalid password"), SETTINGS))
    assert "user 'fleet' with the password in $FLEET_REDIS_PW" in wrong
    unset = QueueSettings(redis_url="redis://cache:6379/0")
    missing = str(refusal(AuthenticationError("Authentication required."), unset))
    assert "none is configured: set queue.password_env" in missing
    extra = AuthenticationError("AUTH <password> called without any password configured for "
                                "the default user. Are you sure your configuration is correct?")
    assert "remove queue.password_env" in str(refusal(extra, SETTINGS))
    other_ca = caused(ConnectionError("x"), unverified(20, "unable to get local issuer"))
    assert "queue.ssl_ca_certs (/etc/aigc/ca.pem) holds no CA" in str(refusal(other_ca,
                                                                             SETTINGS))
    system = QueueSettings(redis_url="rediss://cache:6380/0")
    assert "the system's CAs do not trust" in str(refusal(other_ca, system))


@pytest.mark.parametrize("error", [
    ConnectionError("Error 111 connecting to redis.internal:6380. Connection refused."),
    caused(ConnectionError("Error 111"), ConnectionRefusedError(111, "Connection refused")),
    TimeoutError("Timeout connecting to server"),
    ResponseError("LOADING Redis is loading the dataset in memory", status_code="LOADING"),
])
def test_outages_are_no_refusal(error: Exception):
    assert refusal(error, SETTINGS) is None
    assert is_transient(error)


def test_an_error_being_handled_elsewhere_does_not_count():
    try:
        try:
            raise AuthenticationError("an earlier, unrelated failure")
        except AuthenticationError:
            raise ConnectionError("Connection refused")  # noqa: B904 - the point
    except ConnectionError as outage:
        assert isinstance(outage.__context__, AuthenticationError)
        assert is_transient(outage)


def test_explained_reraises_refusals_only():
    with pytest.raises(ConfigError, match="authentication failed"), explained(SETTINGS):
        raise AuthenticationError("invalid password")
    with pytest.raises(ConnectionError), explained(SETTINGS):
        raise ConnectionError("Connection refused")
