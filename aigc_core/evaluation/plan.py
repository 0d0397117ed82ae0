"""The jobs of an eval: every case on every variant, ``repeat`` times.

Job ids start with the run's own id, so a second eval of the same dataset is new work: queued
jobs are idempotent by id, and reusing ids would hand back the first run's stored results.

>>> planned = plan("news.headlines", cases, variants(["default"], [None]), repeat=2)
>>> [p.job.id for p in planned][:2]
['eval-3f2b8c1e9a70-0-0-0', 'eval-3f2b8c1e9a70-0-0-1']
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ..jobs import Job
from .dataset import Case
from .variants import Variant


@dataclass(frozen=True)
class Planned:
    """One job of the eval, with the case, variant and repeat it measures."""

    case: Case
    variant: Variant
    repeat: int
    job: Job


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def plan(generator: str, cases: list[Case], variants: list[Variant], repeat: int = 1,
         run_id: str | None = None) -> list[Planned]:
    """Case by case, each on every variant: an eval stopped half way has compared its first
    cases on every variant rather than every case on the first variant."""
    run_id = run_id or new_run_id()
    planned = []
    for c, case in enumerate(cases):
        for v, variant in enumerate(variants):
            for r in range(repeat):
                # Repeats are distinct samples: each its own seed (unless the case fixes one).
                # One run keeps the configured seed, so `--repeat 1` is `aigc generate`.
                seeded = {"seed": r} if repeat > 1 and case.options.seed is None else {}
                job = Job(id=f"eval-{run_id}-{v}-{c}-{r}", generator=generator,
                          model=variant.model, input=case.input,
                          options=case.options.model_copy(update=seeded),
                          metadata={"eval": {"run": run_id, "case": case.id,
                                             "variant": variant.name, "repeat": r}})
                planned.append(Planned(case, variant, r, job))
    return planned
