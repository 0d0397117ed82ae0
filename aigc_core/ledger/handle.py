"""The engine's one connection to the ledger: opened on first use (SQLAlchemy is imported
then, not with the engine), shared by recording inline runs and by the result cache, and never
a reason for a job to fail: a ledger that cannot be used is reported once per process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ..errors import AigcError

if TYPE_CHECKING:
    from .settings import LedgerSettings
    from .store import Ledger

log = logging.getLogger("aigc.ledger")

T = TypeVar("T")


class LedgerHandle:
    """``handle.use(what, fn)``: ``fn(ledger)``, or None (with one warning per process saying
    ``what`` was skipped) when the ledger cannot be opened or used."""

    def __init__(self, settings: LedgerSettings):
        self.settings = settings
        self._ledger: Ledger | None = None
        self._lock = threading.Lock()
        self._warned = False

    def use(self, what: str, fn: Callable[[Ledger], T]) -> T | None:
        try:
            return fn(self._open())
        except AigcError as exc:
            if not self._warned:
                self._warned = True
                log.warning("%s; %s", exc, what)
            return None

    def _open(self) -> Ledger:
        with self._lock:
            if self._ledger is None:
                from .store import Ledger

                self._ledger = Ledger.open(self.settings)
            return self._ledger

    def close(self) -> None:
        with self._lock:
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None
