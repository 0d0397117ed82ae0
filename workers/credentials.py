"""Redis refusing this process (its password, its ACL user) or this process refusing Redis
(a certificate no configured CA signed, a missing TLS file): mistakes in the configuration,
which no retry heals, unlike an outage.

``refusal()`` is the one place that tells them apart from outages and words them: one line
naming the setting to fix. ``store.connect`` gives up on them at once (``is_transient``),
the queue commands report them (``explained``), ``aigc worker`` exits on them before Celery
would retry them forever (``check_access``), and the gateway answers with their ``summary``.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import (
    AuthenticationError,
    AuthorizationError,
    NoPermissionError,
    RedisError,
    ResponseError,
)
from redis.retry import Retry

from aigc_core.errors import ConfigError

from .settings import QueueSettings

#: OpenSSL's verify codes for a certificate issued to another host name or address.
_HOST_MISMATCH = frozenset({62, 64})

#: The files a TLS connection reads (``QueueSettings`` fields).
_TLS_FILES = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile")

#: Redis's error codes for a refused or missing login, as a reply to any command.
_LOGIN_CODES = frozenset({"WRONGPASS", "NOAUTH"})

#: Seconds ``check_access`` waits for Redis before leaving an outage to Celery's retries.
_CHECK_TIMEOUT = 5.0


class RedisRefused(ConfigError):
    """A Redis connection failed for a reason that only the configuration can fix."""

    def __init__(self, settings: QueueSettings, reason: str, names: tuple[str, ...],
                 advice: str):
        self.reason = reason
        self.names = names
        super().__init__(f"Redis at {_address(settings)}: {reason}: {advice}")

    @property
    def summary(self) -> str:
        """For readers who may not see the details (HTTP clients): no address, file or
        variable, only what failed and which settings to fix."""
        return f"Redis {self.reason}; fix {' or '.join(self.names)}"


def _address(settings: QueueSettings) -> str:
    return urlsplit(settings.redis_url).netloc.rpartition("@")[2]


def _chain(error: BaseException) -> Iterator[BaseException]:
    # redis-py raises its ConnectionError from the socket or TLS error that tells why. Only
    # explicit causes: an implicit context may be any error a caller was handling.
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__


def _code(error: BaseException) -> str:
    """A Redis error reply's code (``WRONGPASS ...``), however the reply reached us."""
    return getattr(error, "status_code", None) or str(error).partition(" ")[0]


def _user(settings: QueueSettings) -> str:
    return f"user {settings.username!r}" if settings.username else "the default user"


def _login(settings: QueueSettings, error: BaseException) -> RedisRefused:
    said = str(error)
    if settings.password_env is None:
        return RedisRefused(
            settings, "authentication failed", ("queue.password_env",),
            "it wants a password and none is configured: set queue.password_env to the "
            "variable that holds it (and queue.username for an ACL user)")
    if "without any password configured" in said or "no password is set" in said:
        return RedisRefused(
            settings, "authentication failed", ("queue.password_env",),
            f"it has no password for {_user(settings)}, yet queue.password_env gives one: "
            "remove queue.password_env or give the server its password")
    return RedisRefused(
        settings, "authentication failed", ("queue.username", "queue.password_env"),
        f"it refused {_user(settings)} with the password in ${settings.password_env}: check "
        "queue.username and the password in the variable queue.password_env names")


def _permission(settings: QueueSettings, error: BaseException) -> RedisRefused:
    return RedisRefused(
        settings, "permission denied", ("queue.username",),
        f"{_user(settings)} may not do what aigc needs ({error}): grant it in the ACL of "
        "queue.username, or use another user")


def _certificate(settings: QueueSettings, error: BaseException) -> RedisRefused:
    assert isinstance(error, ssl.SSLCertVerificationError)
    reason = f"certificate verification failed ({error.verify_message})"
    if error.verify_code in _HOST_MISMATCH:
        return RedisRefused(
            settings, reason, ("queue.redis_url",),
            "its certificate was issued for another host: use a name or address it names "
            "in queue.redis_url")
    if settings.ssl_ca_certs is None:
        return RedisRefused(
            settings, reason, ("queue.ssl_ca_certs",),
            "the system's CAs do not trust its certificate: set queue.ssl_ca_certs to the "
            "CA bundle (PEM) that signed it")
    return RedisRefused(
        settings, reason, ("queue.ssl_ca_certs",),
        f"queue.ssl_ca_certs ({settings.ssl_ca_certs}) holds no CA that signed its "
        "certificate: point it at the bundle that does")


def _missing_file(settings: QueueSettings, error: BaseException) -> RedisRefused:
    # OpenSSL does not say which file it could not open: look for it.
    missing = {f"queue.{name}": path for name in _TLS_FILES
               if (path := getattr(settings, name)) is not None and not path.is_file()}
    if not missing:
        return RedisRefused(settings, "TLS set-up failed",
                            tuple(f"queue.{name}" for name in _TLS_FILES),
                            f"a TLS file could not be read ({error})")
    return RedisRefused(settings, "TLS set-up failed", tuple(missing),
                        "; ".join(f"{name} ({path}) does not exist"
                                  for name, path in missing.items()))


Explain = Callable[[QueueSettings, BaseException], RedisRefused]


def _diagnose(error: BaseException) -> tuple[Explain, BaseException] | None:
    """How to word ``error`` if it is a refusal, with the link of its chain that says so;
    ``None`` for anything else (an outage, a bug)."""
    for link in _chain(error):
        if isinstance(link, AuthenticationError) or (
                isinstance(link, ResponseError) and _code(link) in _LOGIN_CODES):
            return _login, link
        if isinstance(link, (AuthorizationError, NoPermissionError)):
            return _permission, link
        if isinstance(link, ssl.SSLCertVerificationError):
            return _certificate, link
        if isinstance(link, FileNotFoundError):  # a TLS file; a refused connect is not this
            return _missing_file, link
    return None


def refusal(error: BaseException, settings: QueueSettings) -> RedisRefused | None:
    """``error`` as the one line naming the setting to fix, or ``None`` if it is no refusal
    (Redis down, restarting, slow: worth retrying)."""
    if isinstance(error, RedisRefused):
        return error
    found = _diagnose(error)
    return None if found is None else found[0](settings, found[1])


def is_transient(error: Exception) -> bool:
    """For the retry policy of ``store.connect``: retry outages, never refusals."""
    return _diagnose(error) is None


@contextmanager
def explained(settings: QueueSettings) -> Iterator[None]:
    """Re-raise a refusal as its ``RedisRefused`` line; any other error as it was."""
    try:
        yield
    except Exception as exc:
        refused = refusal(exc, settings)
        if refused is None or refused is exc:
            raise
        raise refused from exc


def check_access(settings: QueueSettings) -> None:
    """Log in to Redis once, as the broker will, and raise ``RedisRefused`` if refused.

    Unreachable Redis passes: the worker then waits for it, as Celery retries connecting
    (broker_connection_max_retries); a refused login would be retried just the same,
    forever, where exiting lets systemd and the operator see it."""
    probe = Redis.from_url(settings.connection_url(), retry=Retry(NoBackoff(), 0),
                           socket_connect_timeout=_CHECK_TIMEOUT, socket_timeout=_CHECK_TIMEOUT,
                           **(settings.ssl_options() or {}))
    try:
        with explained(settings):
            probe.ping()
    except RedisError:
        pass  # an outage
    finally:
        probe.close()
