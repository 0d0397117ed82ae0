"""``aigc generate``: run a generator inline, one job or a resumable JSONL batch."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..backends.base import Message
from ..batch import ResultWriter, completed_ids, read_jobs
from ..options import GenerationOptions
from .common import handle_errors
from .inputs import job_options, parse_pairs, read_input
from .render import check_format, output_format, show


@click.command()
@job_options
@output_format
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL file, one input (or job) per line.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --batch: JSONL results file; re-running skips finished lines.")
@click.option("--dry-run", is_flag=True,
              help="Print the rendered prompt (every message) without calling a model.")
@click.option("--no-log", is_flag=True,
              help="Do not record this run in the ledger (aigc logs); ledger.log = false in "
                   "the config turns recording off for good.")
@click.pass_obj
@handle_errors
def generate(obj, generator, input_file, pairs, model, option_pairs, fmt, batch, out, dry_run,
             no_log):
    """Run GENERATOR on the input and print the output."""
    if no_log:
        obj.record = False
    engine = obj.engine
    options = GenerationOptions.model_validate(parse_pairs(option_pairs))
    if dry_run:
        job = engine.make_job(generator, read_input(input_file, pairs), model=model,
                              options=options)
        _show_prompt(engine.render(job), fmt == "json")
        return
    if batch is not None:
        if out is None:
            raise click.UsageError("--batch needs --out FILE.jsonl")
        _run_batch(engine, generator, batch, out, model, options)
        return
    job = engine.make_job(generator, read_input(input_file, pairs), model=model, options=options)
    own = engine.generator(generator).generator
    check_format(fmt, own)
    show(engine.run(job), fmt, own, engine.validate(job))


def _show_prompt(parts: list[list[Message]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([[m.model_dump() for m in messages] for messages in parts],
                              indent=2, ensure_ascii=False))
        return
    for index, messages in enumerate(parts):
        if len(parts) > 1:
            click.echo(f"=== part {index + 1} of {len(parts)} ===")
        for message in messages:
            click.echo(f"--- {message.role} ---\n{message.content}")


def _run_batch(engine, generator, batch, out, model, options) -> None:
    # Every line is checked first: a bad line stops the batch before any model time is spent.
    jobs = read_jobs(batch, generator, model=model, options=options, validate=engine.validate)
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
