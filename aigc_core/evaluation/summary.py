"""Per-variant numbers of a report: rates with their 95% intervals, failures by kind, code and
field, attempts, tokens and latency.

>>> summary = summarise(Variant(model="default"), records)
>>> summary.succeeded.rate, summary.succeeded.low, summary.latency_ms.p95
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, Field

from . import stats
from .formats import rate_text
from .record import RunRecord
from .variants import Variant

_INDEX = re.compile(r"\[\d+\]")


class Rate(BaseModel):
    """``passed`` of ``total``, with the Wilson 95% interval [``low``, ``high``]."""

    passed: int
    total: int
    rate: float | None
    low: float
    high: float

    def __str__(self) -> str:
        return rate_text(self.passed, self.total, self.low, self.high)

    @classmethod
    def of(cls, passed: int, total: int) -> Rate:
        low, high = stats.wilson(passed, total)
        return cls(passed=passed, total=total, rate=stats.rate(passed, total), low=low,
                   high=high)


class Failures(BaseModel):
    """What failed runs failed on. Fields are counted with their indices as ``[*]``
    (``headlines[*]``), so one weak field of a list shows as one row."""

    by_error_kind: dict[str, int] = Field(default_factory=dict)
    by_code: dict[str, int] = Field(default_factory=dict)
    by_field: dict[str, int] = Field(default_factory=dict)


class Attempts(BaseModel):
    mean: float | None = None
    histogram: dict[str, int] = Field(default_factory=dict, description="Attempts -> runs.")


class Tokens(BaseModel):
    prompt: int = 0
    completion: int = 0
    mean_per_run: float | None = None


class Latency(BaseModel):
    p50: float | None = None
    p95: float | None = None
    mean: float | None = None
    max: float | None = None


class VariantSummary(BaseModel):
    name: str
    model: str
    templates: str | None = None
    runs: int
    succeeded: Rate = Field(description="The generator's own verdict: status succeeded.")
    accepted: Rate = Field(description="Succeeded and every assertion of the case held.")
    assertions: Rate = Field(description="Assertion checks that held, of those run (on "
                                         "succeeded runs only).")
    assertions_by_kind: dict[str, Rate] = Field(default_factory=dict)
    failures: Failures = Field(default_factory=Failures)
    attempts: Attempts = Field(default_factory=Attempts)
    tokens: Tokens = Field(default_factory=Tokens)
    latency_ms: Latency = Field(default_factory=Latency)


def summarise(variant: Variant, records: list[RunRecord]) -> VariantSummary:
    failed = [r for r in records if r.status != "succeeded"]
    checks = [a for r in records for a in r.assertions]
    finished = [r for r in records if r.status != "cancelled"]
    latencies = [r.latency_ms for r in finished if r.latency_ms is not None]
    tokens = [r.prompt_tokens + r.completion_tokens for r in finished]
    return VariantSummary(
        name=variant.name, model=variant.model,
        templates=str(variant.templates) if variant.templates is not None else None,
        runs=len(records),
        succeeded=Rate.of(len(records) - len(failed), len(records)),
        accepted=Rate.of(sum(r.accepted for r in records), len(records)),
        assertions=Rate.of(sum(a.passed for a in checks), len(checks)),
        assertions_by_kind={
            kind: Rate.of(sum(a.passed for a in checks if a.kind == kind),
                          sum(a.kind == kind for a in checks))
            for kind in sorted({a.kind for a in checks})},
        failures=Failures(
            by_error_kind=_counted(r.error_kind or r.status for r in failed),
            by_code=_counted(p.code for r in failed for p in r.problems),
            by_field=_counted(_INDEX.sub("[*]", p.field) or "(whole output)"
                              for r in failed for p in r.problems)),
        attempts=Attempts(
            mean=_mean([r.attempts for r in finished]),
            histogram={str(k): v for k, v in sorted(Counter(r.attempts for r in finished)
                                                    .items())}),
        tokens=Tokens(prompt=sum(r.prompt_tokens for r in finished),
                      completion=sum(r.completion_tokens for r in finished),
                      mean_per_run=_mean(tokens)),
        latency_ms=Latency(p50=stats.percentile(latencies, 50),
                           p95=stats.percentile(latencies, 95), mean=_mean(latencies),
                           max=max(latencies, default=None)),
    )


def _counted(items: Iterable[str]) -> dict[str, int]:
    """Most frequent first: the top rows are where to look."""
    return dict(Counter(items).most_common())


def _mean(values: list[float] | list[int]) -> float | None:
    return sum(values) / len(values) if values else None
