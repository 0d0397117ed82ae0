"""Running an eval: plan the jobs, hand them to a runner, check and summarise the results,
write ``report.json`` and ``report.html``.

>>> cases = read_dataset(path, "news.headlines", engine.validate)
>>> report = evaluate(Eval("news.headlines", path, cases, variants(["default"], [None])),
...                   InlineRunner(engine), progress=lambda n: None)
>>> write(report, Path("out"))
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..jobs import utcnow
from ..plugins import aigc_version
from .dataset import Case
from .html import render_html
from .plan import new_run_id, plan
from .record import to_record
from .report import Meta, Report, build_report
from .runner import Progress, Runner
from .summary import Rate
from .variants import Variant


@dataclass(frozen=True)
class Eval:
    """What to run: a generator on a dataset's cases, on each variant, ``repeat`` times."""

    generator: str
    dataset: Path
    cases: list[Case]
    variants: list[Variant]
    repeat: int = 1
    mode: str = "inline"  # the runner: inline, queue, or another registered one


def evaluate(spec: Eval, runner: Runner, progress: Progress) -> Report:
    run_id = new_run_id()
    planned = plan(spec.generator, spec.cases, spec.variants, spec.repeat, run_id)
    meta = Meta(generator=spec.generator, dataset=str(spec.dataset),
                dataset_sha256=hashlib.sha256(spec.dataset.read_bytes()).hexdigest(),
                mode=spec.mode, repeat=spec.repeat, run_id=run_id, started_at=utcnow(),
                aigc_version=aigc_version())
    results = runner([(p.variant, p.job) for p in planned], progress)
    records = [to_record(p, result) for p, result in zip(planned, results, strict=True)]
    meta.finished_at = utcnow()
    return build_report(meta, spec.variants, planned, records)


def write(report: Report, out: Path) -> tuple[Path, Path]:
    """``out/report.json`` and ``out/report.html`` (``out`` is made if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out / "report.json", out / "report.html"
    report.write(json_path)
    html_path.write_text(render_html(report), encoding="utf-8")
    return json_path, html_path


def below(report: Report, succeeded: float | None = None, accepted: float | None = None
          ) -> list[str]:
    """Why the report fails a CI gate: each variant whose succeeded (or accepted) rate is
    under the given floor, as one line; empty when it passes."""
    floors = {"succeeded": succeeded, "accepted": accepted}
    lines = []
    for variant in report.variants:
        for name, floor in floors.items():
            rate: Rate = getattr(variant, name)
            if floor is not None and (rate.rate or 0.0) < floor:
                lines.append(f"{variant.name}: {name} {rate.passed}/{rate.total} = "
                             f"{(rate.rate or 0.0):.1%} is under {floor:.1%}")
    return lines
