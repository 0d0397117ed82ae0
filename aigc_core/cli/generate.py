"""``aigc generate``: run a generator inline, one job or a resumable JSONL batch."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..batch import ResultWriter, completed_ids, read_batch
from ..options import GenerationOptions
from .common import handle_errors
from .inputs import job_options, parse_pairs, read_input
from .render import export, report_failure


@click.command()
@job_options
@click.option("--json", "as_json", is_flag=True, help="Print the full result with provenance.")
@click.option("--format", "-f", "fmt", default=None,
              help="Export format: text, json, or one the generator offers (e.g. gift).")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL file, one input (or job) per line.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --batch: JSONL results file; re-running skips finished lines.")
@click.pass_obj
@handle_errors
def generate(obj, generator, input_file, pairs, model, option_pairs, as_json, fmt, batch, out):
    """Run GENERATOR on the input and print the output."""
    engine = obj.engine
    options = GenerationOptions.model_validate(parse_pairs(option_pairs))
    if batch is not None:
        if out is None:
            raise click.UsageError("--batch needs --out FILE.jsonl")
        _run_batch(engine, generator, batch, out, model, options)
        return
    job = engine.make_job(generator, read_input(input_file, pairs), model=model, options=options)
    result = engine.run(job)
    fmt = fmt or ("json" if as_json else "text")
    if result.ok or fmt == "json":
        click.echo(export(result, engine.generator(generator), fmt, engine.validate(job)))
    if not result.ok:
        report_failure(result)
        sys.exit(1)


def _run_batch(engine, generator, batch, out, model, options) -> None:
    # Validate every line first: a bad line stops the batch before any model time is spent.
    jobs = [
        engine.make_job(generator, fields.get("input"), model=fields.get("model", model),
                        options=options.merged(GenerationOptions(**fields.get("options", {}))),
                        id=fields["id"], metadata=fields.get("metadata", {}))
        for _, fields in read_batch(batch)
    ]
    done = completed_ids(out)
    todo = [job for job in jobs if job.id not in done]
    failed = 0
    with ResultWriter(out) as writer, click.progressbar(
        todo, label=f"{generator} ({len(jobs) - len(todo)} already done)", file=sys.stderr,
        show_pos=True,
    ) as bar:
        for job in bar:
            result = engine.run(job)
            failed += not result.ok
            writer.write(result)
    click.echo(f"{len(todo) - failed} succeeded, {failed} failed, "
               f"{len(jobs) - len(todo)} skipped; results in {out}", err=True)
    if failed:
        sys.exit(1)


COMMANDS = [generate]
