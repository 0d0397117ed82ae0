"""``aigc worker``, ``aigc submit``, ``aigc status``, ``aigc result``, ``aigc cancel``,
``aigc dead-letters``: the queue from the command line."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aigc_core.batch import read_jobs
from aigc_core.cli.common import handle_errors
from aigc_core.cli.inputs import job_options, parse_pairs, read_input
from aigc_core.cli.render import check_format, output_format, show
from aigc_core.config import load_settings
from aigc_core.hookspecs import hookimpl
from aigc_core.options import GenerationOptions

if TYPE_CHECKING:
    from .client import Client

_POOLS = ("prefork", "threads", "solo")


@contextlib.contextmanager
def _client(obj) -> Iterator[Client]:
    """The client, closed afterwards; Redis refusing it (a wrong password, an unknown CA) is
    reported in one line naming the setting, not as a traceback."""
    # Imported here: every `aigc` command registers these, and Celery is slow to import.
    from .client import Client
    from .credentials import explained

    with Client(load_settings(obj.config)) as client, explained(client.app.queue_settings):
        yield client


@click.command()
@click.option("--queues", "-Q", default=None,
              help="Comma-separated queues to serve, e.g. aigc.default,aigc.vllm "
                   "(default: the queue of every configured model).")
@click.option("--concurrency", "-c", type=click.IntRange(min=1), default=None,
              help="Pool processes (prefork: one per GPU) or threads (HTTP backends: many). "
                   "Default: one per entry of queue.gpus, else 1.")
@click.option("--pool", type=click.Choice(_POOLS), default="prefork", show_default=True)
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option("--hostname", "-n", default=None, help="Node name, e.g. gpu1@%h.")
@click.pass_obj
@handle_errors
def worker(obj, queues: str | None, concurrency: int | None, pool: str, loglevel: str,
           hostname: str | None) -> None:
    """Run a Celery worker that runs queued jobs."""
    # SIGTERM starts the soft shutdown (running jobs get soft_shutdown_timeout seconds, the
    # rest is requeued at once). Billiard reads this when the worker module is imported.
    os.environ["REMAP_SIGTERM"] = "SIGQUIT"
    from . import logs, metrics
    from .credentials import check_access
    from .tasks import worker_app

    settings = load_settings(obj.config)
    app = worker_app(settings)
    queue = app.queue_settings
    queue.check_fleet()
    served = {queue.queue_name(model): model for model in settings.models}
    names = [name.strip() for name in (queues or ",".join(served)).split(",") if name.strip()]
    unknown = [name for name in names if name not in served]
    if unknown:
        raise click.BadParameter(
            f"{', '.join(unknown)} serve no configured model; queues: {', '.join(served)}",
            param_hint="--queues")
    if queue.gpus and pool != "prefork":
        raise click.BadParameter("queue.gpus needs the prefork pool (one process per GPU)",
                                 param_hint="--pool")
    # Celery would retry a refused login or certificate as it retries an outage: forever.
    check_access(queue)
    if queue.metrics_port is not None:
        metrics.configure(os.environ.get("PROMETHEUS_MULTIPROC_DIR")
                          or tempfile.mkdtemp(prefix="aigc-metrics-"))
        metrics.start_exporter(queue.metrics_port)
    argv = ["worker", f"--queues={','.join(names)}", f"--pool={pool}",
            f"--concurrency={concurrency or len(queue.gpus) or 1}", f"--loglevel={loglevel}",
            # Cancels use the job store, not Celery revokes, so no peer syncing is needed.
            "--without-mingle", "--without-gossip"]
    if hostname:
        argv.append(f"--hostname={hostname}")
    logs.install()
    app.worker_main(argv)


@click.command()
@job_options
@click.option("--idempotency-key", "-k", default=None,
              help="Submitting the same key again returns the first job's id.")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL file, one input (or job) per line; shows progress over completions.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --batch: write the results here as JSONL (default: standard output).")
@click.option("--wait/--no-wait", default=None,
              help="Wait for the result(s). Default: no for one job, yes for --batch.")
@click.option("--timeout", type=float, default=None, help="Seconds to wait (default: no limit).")
@output_format
@click.pass_obj
@handle_errors
def submit(obj, generator, input_file, pairs, model, option_pairs, idempotency_key, batch, out,
           wait, timeout, fmt) -> None:
    """Queue GENERATOR jobs for the worker fleet; prints the job id, or with --wait the
    result, as `aigc generate` prints it."""
    options = GenerationOptions.model_validate(parse_pairs(option_pairs))
    with _client(obj) as client:
        if batch is not None:
            _submit_batch(client, generator, batch, out, model, options,
                          wait is not False, timeout)
            return
        engine = client.engine_for(generator)  # its plugin only: a one-shot submit stays quick
        job = engine.make_job(generator, read_input(input_file, pairs), model=model,
                              options=options, idempotency_key=idempotency_key)
        own = engine.generator(generator).generator
        check_format(fmt, own)
        job_id = client.submit(job)
        if not wait:
            click.echo(job_id)
            return
        result = client.result(job_id, timeout)
        # A repeated idempotency key answers with the earlier job, whose input may differ.
        show(result, fmt, own, engine.validate(job) if job_id == job.id else None)


def _submit_batch(client: Client, generator: str, batch: Path, out: Path | None, model: str,
                  options: GenerationOptions, wait: bool, timeout: float | None) -> None:
    # Line ids are stable, so submitting the same file again queues nothing new to run.
    jobs = read_jobs(batch, generator, model=model, options=options,
                     validate=client.engine_for(generator).validate)
    ids = client.submit_batch(jobs)
    click.echo(f"queued {len(ids)} job(s) from {batch}", err=True)
    if not wait:
        click.echo("\n".join(ids))
        return
    with click.progressbar(length=len(ids), label=f"{generator}", file=sys.stderr,
                           show_pos=True) as bar:
        results = client.wait(ids, timeout, progress=bar.update)
    lines = [r.model_dump_json() for r in results.values() if r is not None]
    if out is not None:
        out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    else:
        click.echo("\n".join(lines))
    failed = sum(1 for r in results.values() if r is not None and not r.ok)
    cancelled = sum(1 for r in results.values() if r is None)
    click.echo(f"{len(ids) - failed - cancelled} succeeded, {failed} failed, "
               f"{cancelled} cancelled" + (f"; results in {out}" if out else ""), err=True)
    if failed:
        sys.exit(1)


@click.command()
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def status(obj, job_id: str, as_json: bool) -> None:
    """Show a queued job's state, attempts and last error."""
    with _client(obj) as client:
        found = client.status(job_id)
    if as_json:
        click.echo(found.model_dump_json(indent=2))
        return
    for name, value in found.model_dump(exclude_none=True).items():
        click.echo(f"{name}: {value}")


@click.command()
@click.argument("job_id")
@click.option("--wait", is_flag=True, help="Wait until the job finishes.")
@click.option("--timeout", type=float, default=None, help="With --wait: seconds to wait.")
@output_format
@click.pass_obj
@handle_errors
def result(obj, job_id: str, wait: bool, timeout: float | None, fmt: str) -> None:
    """Print a queued job's result as `aigc generate` prints it (exit 1 if it failed, 2 if it
    has none yet). The job store keeps no input, which a generator's own formats need: ask for
    those when you submit (`aigc submit --wait --format gift`)."""
    check_format(fmt)
    with _client(obj) as client:
        show(client.result(job_id, timeout if wait else 0.0), fmt)


@click.command()
@click.argument("job_id")
@click.pass_obj
@handle_errors
def cancel(obj, job_id: str) -> None:
    """Cancel a job that has not finished (a running job's result is discarded)."""
    with _client(obj) as client:
        if client.cancel(job_id):
            click.echo(f"cancelled {job_id}")
            return
        click.echo(f"{job_id} had already finished: {client.status(job_id).state}", err=True)
        sys.exit(1)


@click.command("dead-letters")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
@handle_errors
def dead_letters(obj, limit: int, as_json: bool) -> None:
    """List jobs that were dead-lettered after using up their attempts (newest first)."""
    with _client(obj) as client:
        entries = client.dead_letters(limit)
    for entry in entries:
        click.echo(entry.model_dump_json() if as_json else
                   f"{entry.at:%Y-%m-%d %H:%M:%S} {entry.job_id} {entry.generator} "
                   f"({entry.attempts} attempts): {entry.error}")


@click.command("ledger-sync")
@click.option("--once", is_flag=True, help="Record what the outbox holds now, then exit.")
@click.option("--name", "consumer", default=None,
              help="This writer's name in the consumer group (default: sync@HOST:PID).")
@click.pass_obj
@handle_errors
def ledger_sync(obj, once: bool, consumer: str | None) -> None:
    """Write the fleet's ledger outbox to the ledger (ledger.url) until stopped. Workers never
    wait on the database: run one or more of these per fleet (docs/ledger.md)."""
    import signal
    import socket
    import threading

    from .ledger_sync import sync

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    written = sync(load_settings(obj.config), consumer or f"sync@{socket.gethostname()}:"
                   f"{os.getpid()}", once=once, stop=stop)
    click.echo(f"recorded {written} outbox entries", err=True)


@hookimpl
def register_commands(cli: click.Group) -> None:
    for command in (worker, submit, status, result, cancel, dead_letters, ledger_sync):
        cli.add_command(command)


@hookimpl
def register_eval_runners(register) -> None:
    # `aigc eval --queue`: the eval's jobs through the fleet (eval_runner.py).
    from .eval_runner import queued

    register("queue", queued)
