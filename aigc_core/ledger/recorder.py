"""What the engine does with the ledger around a job: record an inline run when it ends
(``ledger.log``), and answer a job from the result cache before it starts (cache.py).

Both go through one ``LedgerHandle`` (handle.py): the ledger opens on the first job, and one
that cannot be used never fails a job.
"""

from __future__ import annotations

from ..jobs import Job, Result
from ..review.settings import ReviewSettings
from .handle import LedgerHandle
from .settings import LedgerSettings


class EngineLedger:
    """``record(job, result)`` after a run; ``cached(key)`` before one."""

    def __init__(self, settings: LedgerSettings, record: bool,
                 review: ReviewSettings | None = None):
        self.settings = settings
        self.recording = record
        self.review = review or ReviewSettings()
        self._handle = LedgerHandle(settings)

    def record(self, job: Job, result: Result) -> None:
        if not self.recording:
            return
        from .records import inline_record

        record = inline_record(job, result, self.review.mode_for(job.generator, job.model),
                               self.review.failed)
        self._handle.use(f"job {job.id} and later ones are not recorded (set ledger.log = "
                         "false, or --no-log, to stop recording)",
                         lambda ledger: ledger.record([record]))

    def cached(self, key: str) -> Result | None:
        return self._handle.use("the result cache is skipped",
                                lambda ledger: ledger.cached(key))

    def close(self) -> None:
        self._handle.close()
