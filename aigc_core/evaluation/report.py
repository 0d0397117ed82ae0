"""``report.json``: everything an eval measured, per variant and per case.

>>> report = build_report(meta, variants, planned, records)
>>> report.variants[0].succeeded.rate
>>> Report.read(Path("out/report.json")).cases[0].runs[0].status
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from .assertions import Assertion
from .plan import Planned
from .record import RunRecord
from .summary import VariantSummary, summarise
from .variants import Variant

REPORT_VERSION = 1


class Meta(BaseModel):
    """What was run, where and when."""

    generator: str
    dataset: str
    dataset_sha256: str
    mode: str = Field("inline", description="The runner: inline, queue, ...")
    repeat: int = 1
    run_id: str
    started_at: datetime
    finished_at: datetime | None = None
    aigc_version: str = ""


class CaseReport(BaseModel):
    """One case and its runs on every variant (the side-by-side view)."""

    id: str
    line: int = 0
    note: str = ""
    input: dict[str, Any]
    assertions: list[Assertion] = Field(default_factory=list)
    runs: list[RunRecord] = Field(default_factory=list)


class Report(BaseModel):
    schema_version: Literal[1] = REPORT_VERSION
    meta: Meta
    variants: list[VariantSummary]
    cases: list[CaseReport]

    @classmethod
    def read(cls, path: Path) -> Report:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def write(self, path: Path) -> None:
        path.write_text(self.model_dump_json(indent=2, exclude_none=True), encoding="utf-8")


def build_report(meta: Meta, variants: list[Variant], planned: list[Planned],
                 records: list[RunRecord]) -> Report:
    """``records[i]`` is the run of ``planned[i]``."""
    cases: dict[str, CaseReport] = {}
    for item, record in zip(planned, records, strict=True):
        case = item.case
        if case.id not in cases:
            cases[case.id] = CaseReport(id=case.id, line=case.line, note=case.note,
                                        input=case.input, assertions=case.assertions)
        cases[case.id].runs.append(record)
    return Report(
        meta=meta,
        variants=[summarise(v, [r for r in records if r.variant == v.name]) for v in variants],
        cases=list(cases.values()),
    )
