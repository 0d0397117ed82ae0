"""The ``[gateway]`` settings of ``aigc serve``, validated once at start-up.

They come from the ``[gateway]`` table of aigc.toml or ``AIGC_GATEWAY__*`` variables::

    [gateway]
    host = "0.0.0.0"
    port = 8000

    [gateway.api_keys.newsroom]              # `aigc api-key newsroom` prints this table
    sha256 = "bbe9052173f8aea33d3fbcb2807eee8fa81d6c663039053c820650683067f42c"
    generators = ["news.*", "translation.translate"]
    rate_limit = 600                         # requests per rate_window, fleet-wide

    [gateway.api_keys.dashboard]
    key_env = "AIGC_DASHBOARD_KEY"           # the key itself, from a secret store
    see_all_jobs = true

Only hashes of keys sit in files: a leaked config file gives nobody a key.
"""

from __future__ import annotations

import os
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from aigc_core.config import Settings, validate_table
from aigc_core.errors import ConfigError

from .keys import hash_key

#: Key names become metric labels and parts of Redis keys: short and plain.
KeyName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class ApiKeyConfig(BaseModel):
    """One API key: how it is recognised, what it may run and how often."""

    model_config = ConfigDict(extra="forbid")

    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$",
        description="Hex SHA-256 of the key (`aigc api-key` prints it).")
    key_env: str | None = Field(
        None, min_length=1,
        description="Environment variable holding the key itself (e.g. from a secret store); "
                    "it is hashed when read and never kept.")
    generators: list[str] = Field(
        default_factory=lambda: ["*"], min_length=1,
        description="Generators the key may use: names or shell patterns ('news.*').")
    rate_limit: int = Field(
        600, ge=1, description="Requests per rate_window across all gateways; a batch counts "
                               "one request per job.")
    see_all_jobs: bool = Field(
        False, description="May read and cancel every job (an operator's dashboard); "
                           "otherwise only the jobs submitted with this key.")
    reviewer: bool = Field(
        False, description="May read the review queue and decide on any job under review "
                           "(approve, reject, edit, regenerate); decisions are recorded "
                           "under the key's name (docs/review.md).")

    @model_validator(mode="after")
    def _one_source(self) -> ApiKeyConfig:
        if (self.sha256 is None) == (self.key_env is None):
            raise ValueError("give exactly one of sha256 (the key's hash) or key_env")
        return self

    def digest(self, name: str) -> str:
        """The key's SHA-256, read from the environment for ``key_env``."""
        if self.sha256 is not None:
            return self.sha256
        value = os.environ.get(self.key_env or "")
        if not value:
            raise ConfigError(f"gateway.api_keys.{name}.key_env names {self.key_env!r}, "
                              "which is not set")
        return hash_key(value)


class GatewaySettings(BaseModel):
    """Where the gateway listens and how it protects the fleet behind it."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="Address to listen on ('0.0.0.0': every one).")
    port: int = Field(8000, ge=1, le=65535)
    api_keys: dict[KeyName, ApiKeyConfig] = Field(
        default_factory=dict, description="Keys by name; requests without a known key get 401.")
    rate_window: int = Field(
        60, ge=1, le=86400, description="Seconds of the fixed window rate limits count in.")
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Larger request bodies are refused with 413.")
    poll_interval: float = Field(
        0.5, ge=0.05, le=5.0,
        description="Seconds between the job-store polls that serve long-polls and event "
                    "streams (one poll per tick for all of them); a job that finishes wakes "
                    "them at once.")
    max_wait: float = Field(
        60.0, gt=0, le=60.0,
        description="Longest a ?wait= long-poll waits (the API allows up to 60 s); lower it "
                    "below the idle timeout of a proxy in front of the gateway.")
    stream_timeout: float = Field(
        600.0, gt=0, description="Seconds an event stream stays open; clients reconnect.")
    keepalive: float = Field(
        15.0, gt=0, description="Seconds between keep-alive comments on an idle event stream.")
    shutdown_timeout: float = Field(
        10.0, ge=0, description="On SIGTERM, seconds open streams get before they are closed.")
    console_session_hours: float = Field(
        8.0, gt=0, le=720, description="The review console logs a person out after this "
                                       "many hours without a request.")
    console_secure_cookie: bool = Field(
        True, description="Send the console's cookies only over HTTPS (browsers treat "
                          "http://localhost and 127.0.0.1 as secure too); turn off only "
                          "for plain HTTP on another host, behind a trusted network.")


def gateway_settings(settings: Settings) -> GatewaySettings:
    """Validate the ``[gateway]`` table; errors name each bad key."""
    return validate_table(GatewaySettings, settings.gateway, "gateway")
