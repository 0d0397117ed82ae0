"""Resumable JSONL batches: one job per input line, one result per output line.

A line of the batch file is either a job input object or ``{"id": ..., "input": {...},
"options": {...}, "metadata": {...}}``. Lines without an id get a stable one derived from the
line's number and content, so a re-run skips what an earlier run already wrote. A final line
cut short by a crash is dropped and redone.

``read_jobs`` is how every command turns a batch file into jobs (``aigc generate --batch`` runs
them, ``aigc submit --batch`` queues them): all lines are checked before any job runs, and each
problem names its line and field (``line 3: id: ...``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import InvalidBatch
from .jobs import Job
from .options import GenerationOptions
from .problems import Problem, from_validation_error, prefixed
from .validation import Validate, job_problems

_JOB_KEYS = {"id", "input", "options", "metadata", "model", "idempotency_key"}
_LINE_SEP = ": "  # problems read "line 3: input.text: ...", as a person says it


def read_batch(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, job_fields)``; raises ``InvalidInput`` naming bad lines."""
    problems: list[Problem] = []
    items: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(Problem(field=f"line {number}", message=f"not JSON: {exc.msg}"))
                continue
            if not isinstance(obj, dict):
                problems.append(Problem(field=f"line {number}", message="must be a JSON object"))
                continue
            if not (isinstance(obj.get("input"), dict) and set(obj) <= _JOB_KEYS):
                obj = {"input": obj}
            digest = hashlib.sha256(line.strip().encode("utf-8")).hexdigest()[:16]
            obj.setdefault("id", f"{_id_safe(path.stem)}-{number}-{digest}")
            items.append((number, obj))
    if problems:
        raise InvalidBatch(str(path), problems)
    yield from items


def read_jobs(path: Path, generator: str, *, model: str, options: GenerationOptions,
              validate: Validate) -> list[Job]:
    """The file's lines as jobs of ``generator``, each checked by ``validate``
    (``Engine.validate``). A line's own ``model`` replaces ``model``; its ``options`` are laid
    over ``options``. Raises ``InvalidBatch`` with every problem of every line, in line order."""
    jobs: list[Job] = []
    problems: list[Problem] = []
    for number, fields in read_batch(path):
        where = f"line {number}"
        try:
            job = Job.model_validate({"generator": generator, "model": model, **fields})
        except ValidationError as exc:
            problems += prefixed(from_validation_error(exc.errors()), where, _LINE_SEP)
            continue
        job = job.model_copy(update={"options": options.merged(job.options)})
        problems += prefixed(job_problems(validate, job), where, _LINE_SEP)
        jobs.append(job)
    if problems:
        raise InvalidBatch(str(path), problems)
    return jobs


def _id_safe(stem: str) -> str:
    """A file name as the start of a job id: characters outside the id alphabet become ``_``."""
    return re.sub(r"[^A-Za-z0-9._:-]", "_", stem)[:80].lstrip("._:-") or "batch"


def completed_ids(out: Path) -> set[str]:
    """Job ids already in the results file; drops a torn last line left by a crash."""
    if not out.exists():
        return set()
    done: set[str] = set()
    raw = out.read_bytes()
    keep = 0
    for line in raw.splitlines(keepends=True):
        try:
            done.add(json.loads(line)["job_id"])
        except (ValueError, KeyError):
            break
        if not line.endswith(b"\n"):
            break
        keep += len(line)
    if keep != len(raw):
        with out.open("r+b") as handle:
            handle.truncate(keep)
    return done


class ResultWriter:
    """Appends one JSON line per result and flushes it to disk before the next job starts."""

    def __init__(self, out: Path):
        self._handle = out.open("a", encoding="utf-8")

    def write(self, result: Any) -> None:
        self._handle.write(result.model_dump_json() + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
