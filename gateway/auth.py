"""Who is calling: API keys recognised by their hash, what each may run, and its rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from aigc_core import Problem
from aigc_core.errors import ConfigError

from .errors import ApiError
from .keys import hash_key
from .settings import ApiKeyConfig, GatewaySettings


@dataclass(frozen=True)
class Caller:
    """The key a request came with (by its configured name, never the key itself)."""

    name: str
    config: ApiKeyConfig

    def may_use(self, generator: str) -> bool:
        return any(fnmatchcase(generator, pattern) for pattern in self.config.generators)

    def check_generators(self, generators: list[tuple[str, str]]) -> None:
        """Raise 403 naming each ``(field, generator)`` this key may not use."""
        refused = [(field, name) for field, name in generators if not self.may_use(name)]
        if refused:
            raise ApiError(403, "forbidden", f"key {self.name!r} may not use "
                           f"{', '.join(sorted({name for _, name in refused}))}",
                           [Problem(field=field, code="forbidden",
                                    message=f"this key may not use {name!r}; it may use "
                                            f"{', '.join(self.config.generators)}")
                            for field, name in refused])


class KeyRing:
    """Configured keys by their SHA-256."""

    def __init__(self, settings: GatewaySettings):
        self._by_digest: dict[str, Caller] = {}
        for name, config in settings.api_keys.items():
            twin = self._by_digest.setdefault(config.digest(name), Caller(name, config))
            if twin.name != name:  # one key, two sets of rights: which would apply?
                raise ConfigError(f"gateway.api_keys.{name} is the same key as "
                                  f"gateway.api_keys.{twin.name}")

    def find(self, key: str) -> Caller | None:
        # Looked up by the hash of what was sent: timing reveals nothing about a real key.
        return self._by_digest.get(hash_key(key))


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})
