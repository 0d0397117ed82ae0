"""The ``[ledger]`` settings: where the ledger lives and what it keeps."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


def default_path() -> Path:
    """``$XDG_DATA_HOME/aigc/ledger.db`` (``~/.local/share/aigc/ledger.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "aigc" / "ledger.db"


class LedgerSettings(BaseModel):
    """``[ledger]`` in aigc.toml, or ``AIGC_LEDGER__URL`` and so on.

    >>> LedgerSettings(url="postgresql://aigc@db.internal/aigc", retention_days=365)
    """

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(
        None, description="SQLAlchemy URL of the ledger: sqlite:///path/ledger.db or "
                          "postgresql://user@host/db. Default: a SQLite file in the user's "
                          "data directory (default_path()).")
    log: bool = Field(True, description="Record inline runs (aigc generate, Engine.run); "
                                        "queued jobs reach the ledger through the outbox.")
    retention_days: int = Field(180, ge=1, description="aigc ledger prune deletes records "
                                                       "older than this.")
    cache: list[str] = Field(
        default_factory=list,
        description="Generators whose deterministic jobs are answered from earlier identical "
                    "ones: GENERATOR[@MODEL] patterns, e.g. news.* or translation.*@default.")

    def resolved_url(self) -> str:
        """The URL to connect to: psycopg 3 for PostgreSQL whatever driver the URL names."""
        url = self.url or f"sqlite:///{default_path()}"
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url[len(plain):]
        return url
