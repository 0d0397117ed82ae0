"""``aigc eval``: measure a generator on a dataset (``aigc eval GENERATOR --dataset ...``) and
list what flipped between two runs (``aigc eval compare OLD.json NEW.json``).

    aigc eval news.headlines --dataset evals/news.headlines.jsonl --out eval-out
    aigc eval news.headlines -d evals/news.headlines.jsonl -m default -m qwen \\
        --templates - --templates prompts/v2 --repeat 3 --fail-under 0.8 --out eval-out
    aigc eval news.headlines -d evals/news.headlines.jsonl --queue --out eval-out
    aigc eval compare eval-old/report.json eval-out/report.json

The evaluation package is imported inside the commands: every ``aigc`` command line builds
this group, and only ``aigc eval`` needs it. docs/quality.md is the guide.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import UnknownModel
from .common import handle_errors
from .runners import INLINE, eval_runner

#: ``--templates -``: the configured templates alone, the baseline to compare a directory with.
CONFIGURED = "-"


class EvalGroup(click.Group):
    """``aigc eval GENERATOR ...`` is ``aigc eval run GENERATOR ...``: generator names hold a
    dot, so none is mistaken for a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _rate_floor(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """``0.8`` or ``80%``."""
    if value is None:
        return None
    try:
        floor = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a rate (0.8 or 80%)") from None
    if not 0 <= floor <= 1:
        raise click.BadParameter(f"{value!r} is not between 0 and 1 (0% and 100%)")
    return floor


@click.group("eval", cls=EvalGroup)
def eval_group() -> None:
    """Measure a generator on a dataset: `aigc eval GENERATOR --dataset FILE.jsonl --out DIR`;
    `aigc eval compare OLD.json NEW.json` lists the cases that flipped."""


@eval_group.command("run")
@click.argument("generator")
@click.option("--dataset", "-d", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL, one input or case per line (docs/quality.md).")
@click.option("--model", "-m", "models", multiple=True, default=("default",), show_default=True,
              help="A configured model to run on. Repeatable: one variant per model.")
@click.option("--templates", "-t", "template_dirs", multiple=True,
              help="A template directory laid over the configured ones; '-' for the "
                   "configured templates alone. Repeatable: models x directories.")
@click.option("--repeat", "-r", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs of each case on each variant (each with its own seed).")
@click.option("--sample", type=click.IntRange(min=1), default=None, metavar="N",
              help="Only N cases, spread evenly over the dataset (the same N every run).")
@click.option("--runner", default=INLINE, show_default=True,
              help="Where the jobs run: inline (this process), or a registered runner.")
@click.option("--queue", is_flag=True,
              help="Run through the worker fleet (aigc worker): --runner queue.")
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for report.json and report.html.")
@click.option("--fail-under", callback=_rate_floor, metavar="RATE",
              help="Exit 1 if a variant's succeeded rate is under RATE (0.8 or 80%).")
@click.option("--fail-under-accepted", callback=_rate_floor, metavar="RATE",
              help="Exit 1 if a variant's accepted rate (succeeded, assertions held) is "
                   "under RATE.")
@click.option("--no-log", is_flag=True,
              help="Inline runs: do not record the eval's jobs in the ledger (aigc logs).")
@click.pass_context
@handle_errors
def run(ctx: click.Context, generator: str, dataset: Path, models: tuple[str, ...],
        template_dirs: tuple[str, ...], repeat: int, sample: int | None, runner: str,
        queue: bool, out: Path, fail_under: float | None,
        fail_under_accepted: float | None, no_log: bool) -> None:
    """Run every case of the dataset on every variant; write report.json and report.html."""
    from ..evaluation import (
        Eval,
        InlineRunner,
        below,
        evaluate,
        read_dataset,
        spread,
        variants,
        write,
    )
    from ..evaluation.formats import seconds

    runner = "queue" if queue else runner
    if no_log:
        if runner != INLINE:
            raise click.UsageError("--no-log needs an inline run: queued jobs are recorded by "
                                   "the queue's outbox (queue.ledger_outbox = false turns it off)")
        ctx.obj.record = False
    engine = ctx.obj.engine  # plugins for validation; inline, a model loads on first use
    for model in models:
        if model not in engine.settings.models:
            raise UnknownModel(model, list(engine.settings.models))
    directories = [_template_dir(value) for value in template_dirs] or [None]
    if runner != INLINE and any(directories):
        raise click.UsageError("--templates needs an inline run: workers render with the "
                               "template_dirs of their own settings")
    cases = read_dataset(dataset, generator, engine.validate)
    if sample is not None:
        cases = spread(cases, sample)
    spec = Eval(generator, dataset, cases, variants(list(models), directories), repeat,
                runner)
    run_jobs = (InlineRunner(engine) if runner == INLINE
                else eval_runner(ctx, runner)(engine.settings))
    with click.progressbar(length=len(cases) * len(spec.variants) * repeat, file=sys.stderr,
                           label=f"{generator} ({runner})", show_pos=True) as bar:
        report = evaluate(spec, run_jobs, progress=bar.update)
    json_path, html_path = write(report, out)
    for variant in report.variants:
        click.echo(f"{variant.name}: succeeded {variant.succeeded}, accepted "
                   f"{variant.accepted}, latency p50 {seconds(variant.latency_ms.p50)} "
                   f"p95 {seconds(variant.latency_ms.p95)}")
    click.echo(f"report: {json_path}, {html_path}")
    failed = below(report, fail_under, fail_under_accepted)
    if failed:
        click.echo("\n".join(f"below the floor: {line}" for line in failed), err=True)
        sys.exit(1)


@eval_group.command("compare")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per flipped case.")
@handle_errors
def compare_command(old: Path, new: Path, as_json: bool) -> None:
    """List the cases whose verdict flipped from OLD to NEW (report.json files); exit 1 if any
    went from passed to failed."""
    from ..evaluation import Report, compare

    flips = compare(Report.read(old), Report.read(new))
    for flip in flips:
        click.echo(flip.model_dump_json() if as_json else
                   f"{flip.case} [{flip.variant}]: {flip.old} -> {flip.new}"
                   + (f" ({flip.why})" if flip.why else ""))
    regressed = sum(flip.regressed for flip in flips)
    click.echo(f"{len(flips)} flipped, {regressed} regressed", err=True)
    if regressed:
        sys.exit(1)


def _template_dir(value: str) -> Path | None:
    if value == CONFIGURED:
        return None
    path = Path(value)
    if not path.is_dir():
        raise click.BadParameter(f"no directory at {value!r}", param_hint="--templates")
    return path


COMMANDS = [eval_group]
