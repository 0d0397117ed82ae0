"""``aigc verify-label FILE``: check the AI labels of saved results."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from .verify import documents, verify_document

TAGS = {"ok": "OK  ", "fail": "FAIL", "skip": "SKIP"}


@click.command("verify-label")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_label(file: Path) -> None:
    """Check the AI labels of the results in FILE.

    FILE is a result as printed by `aigc generate --json`, or a JSONL file of results as
    written by `aigc generate --batch --out`. Each result's implicit label must exist and name
    the GB 45438 fields, its sha256 must match the content, and a text result must show its
    visible label where the label says. Exits 1 if any result fails; failed jobs are skipped.
    """
    try:
        raw = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text: {exc.reason}") from None
    verdicts = [(where, verify_document(text)) for where, text in documents(raw)]
    if not verdicts:
        raise click.ClickException(f"{file} holds no results")
    for where, verdict in verdicts:
        click.echo(f"{TAGS[verdict.status]} {where} (job {verdict.job_id or '?'}): "
                   + "; ".join(verdict.messages))
    counts = Counter(verdict.status for _, verdict in verdicts)
    click.echo(f"{len(verdicts)} result(s): {counts['ok']} verified, {counts['fail']} failed, "
               f"{counts['skip']} skipped (failed jobs)")
    if counts["fail"]:
        sys.exit(1)
