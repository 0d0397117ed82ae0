"""``aigc eval compare OLD NEW``: the cases whose verdict flipped between two reports.

A case passes on a variant when most of its runs were accepted (succeeded, and every
assertion held); cases and variants are matched by id and name, so compare runs of the same
dataset (ids stay put when lines are added, if the lines carry ids).

>>> flips = compare(Report.read(Path("old/report.json")), Report.read(Path("new/report.json")))
>>> [(f.case, f.variant, f.new) for f in flips if f.regressed]
[('zh-short', 'default', 'failed')]
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from .record import RunRecord
from .report import Report

Verdict = Literal["passed", "failed", "absent"]


class Flip(BaseModel):
    case: str
    variant: str
    old: Verdict
    new: Verdict
    why: str = ""

    @property
    def regressed(self) -> bool:
        return self.old == "passed" and self.new == "failed"


def verdict(runs: list[RunRecord]) -> Verdict:
    if not runs:
        return "absent"
    return "passed" if 2 * sum(r.accepted for r in runs) > len(runs) else "failed"


def compare(old: Report, new: Report) -> list[Flip]:
    """Every (case, variant) whose verdict differs, in the new report's order, then those only
    the old one has."""
    before, after = _runs(old), _runs(new)
    flips = []
    for key in [*after, *(key for key in before if key not in after)]:
        old_runs, new_runs = before.get(key, []), after.get(key, [])
        was, now = verdict(old_runs), verdict(new_runs)
        if was != now:
            flips.append(Flip(case=key[0], variant=key[1], old=was, new=now,
                              why=why_failed(new_runs) if now == "failed" else ""))
    return flips


def why_failed(runs: list[RunRecord]) -> str:
    """The first reason a run was not accepted: its error, a problem, or an assertion."""
    for run in runs:
        if run.accepted:
            continue
        for problem in run.problems:
            return f"{problem.code}: {problem}"
        for outcome in run.assertions:
            if not outcome.passed:
                return f"assert {outcome.kind}: {outcome.message}"
        return run.error or run.status
    return ""


def _runs(report: Report) -> dict[tuple[str, str], list[RunRecord]]:
    runs: dict[tuple[str, str], list[RunRecord]] = {}
    for case in report.cases:
        for run in case.runs:
            runs.setdefault((case.id, run.variant), []).append(run)
    return runs
