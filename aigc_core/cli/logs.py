"""``aigc logs``: what the ledger recorded, newest first; ``logs show ID``, ``logs export``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, get_args

import click

from ..config import load_settings
from ..review.models import ReviewState
from .common import Ctx, handle_errors
from .render import render

if TYPE_CHECKING:
    from ..ledger import Filters, JobRecord, Ledger

#: Characters of a result shown on a listing's line.
SNIPPET = 60


@contextmanager
def opened(obj: Ctx) -> Iterator[Ledger]:
    """The ledger of this command line's config, closed afterwards."""
    from ..ledger import Ledger

    with Ledger.open(load_settings(obj.config).ledger) as ledger:
        yield ledger


def filter_options(command: Any) -> Any:
    """The options that select records, shared by the listing and ``export``."""
    options = [
        click.option("--generator", "-g", help="Only this generator, e.g. news.article."),
        click.option("--model", "-m", help="Only jobs for this configured model."),
        click.option("--plugin", help="Only results of this plugin."),
        click.option("--status", "state",
                     type=click.Choice(["succeeded", "failed", "cancelled", "unfinished"])),
        click.option("--review", type=click.Choice(get_args(ReviewState)),
                     help="Only jobs whose review is in this state."),
        click.option("--key", "idempotency_key", help="Only the job with this idempotency key."),
        click.option("--submitter", help="Only jobs submitted with this API key name."),
        click.option("--labelled/--unlabelled", default=None,
                     help="Only results with / without an AI label."),
        click.option("--since", type=click.DateTime(), help="Created at or after (UTC)."),
        click.option("--until", type=click.DateTime(), help="Created before (UTC)."),
        click.option("--search", "-q", help="Words every result must contain (full text)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _filters(limit: int, **given: Any) -> Filters:
    from ..ledger import Filters

    return Filters(limit=limit, **given)


@click.group(invoke_without_command=True)
@filter_options
@click.option("-n", "limit", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="How many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
@handle_errors
def logs(ctx: click.Context, limit: int, as_json: bool, **given: Any) -> None:
    """List recorded jobs, newest first: `aigc logs -g news.article -q solar -n 5`."""
    if ctx.invoked_subcommand is not None:
        return
    with opened(ctx.obj) as ledger:
        entries = ledger.list(_filters(limit, **given))
    for entry in entries:
        if as_json:
            click.echo(entry.model_dump_json())
            continue
        snippet = " ".join((entry.text or "").split())
        if len(snippet) > SNIPPET:
            snippet = snippet[:SNIPPET - 1] + "…"
        click.echo(f"{entry.created_at:%Y-%m-%d %H:%M:%S}  {entry.state:<10}  "
                   f"{entry.generator:<22}  {entry.model:<10}  {entry.job_id}  {snippet}")


@logs.command()
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="The whole record as JSON.")
@click.pass_obj
@handle_errors
def show(obj, job_id: str, as_json: bool) -> None:
    """Everything recorded about one job: input, provenance, events, result."""
    with opened(obj) as ledger:
        record = ledger.show(job_id)
    if record is None:
        raise click.ClickException(f"the ledger has no job {job_id!r} (`aigc logs` lists them)")
    if as_json:
        click.echo(record.model_dump_json(indent=2))
        return
    click.echo(_describe(record))


def _describe(record: JobRecord) -> str:
    job, result = record.job, record.result
    lines = [f"job {job.id}: {job.generator} on {job.model} ({record.source}"
             + (f", submitted by {record.submitter}" if record.submitter else "") + ")",
             "input: " + json.dumps(job.input, ensure_ascii=False)]
    if job.idempotency_key:
        lines.append(f"idempotency key: {job.idempotency_key}")
    lines.append("events:")
    lines += [f"  {event.at:%Y-%m-%d %H:%M:%S.%f}  {event.kind}"
              + (f"  {json.dumps(event.detail, ensure_ascii=False)}" if event.detail else "")
              for event in record.events]
    if result is None:
        lines.append("no result")
        return "\n".join(lines)
    p = result.provenance
    lines += [f"result: {result.status}",
              f"provenance: plugin {p.plugin} {p.plugin_version}, model {p.model} "
              f"({p.backend} {p.model_id}), {p.attempts} attempt(s), "
              f"{p.usage.prompt_tokens}+{p.usage.completion_tokens} tokens, "
              f"{p.timings.total_ms:.0f} ms, aigc {p.aigc_version}",
              *(f"template {t.name} sha256:{t.sha256[:12]} ({t.origin})" for t in p.templates)]
    if result.error:
        lines.append(f"error ({result.error.kind}): {result.error.message}")
    lines += [f"  - {problem}" for problem in result.problems]
    if result.output is not None or result.text:
        lines += ["output:", render(result, "text")]
    return "\n".join(lines)


@logs.command()
@filter_options
@click.option("-n", "limit", type=click.IntRange(1), default=1_000_000, show_default=True,
              help="At most this many, newest first.")
@click.option("--out", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="JSONL file (default: standard output).")
@click.pass_obj
@handle_errors
def export(obj, limit: int, out, **given: Any) -> None:
    """Write recorded jobs as JSONL: one whole record (job, events, result) per line."""
    with opened(obj) as ledger:
        for record in ledger.export(_filters(limit, **given)):
            out.write(record.model_dump_json() + "\n")


COMMANDS = [logs]
