"""Validating many jobs at once, before any of them runs or is queued: every problem of every
job, each named by where the job came from (``jobs[2].input.text`` in a list of jobs or an HTTP
batch, ``line 3: input.text`` in a batch file). The Python client, the gateway and the command
line all check batches here, so a bad job is reported the same way wherever it was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from .errors import AigcError, InvalidBatch, InvalidInput, UnknownGenerator, UnknownModel
from .jobs import Job
from .problems import Problem, prefixed

#: ``Engine.validate``: raises for a job that cannot run.
Validate = Callable[[Job], object]
#: Turns an error about the job itself (not its input) into the problem of its field.
Explain = Callable[[Job, AigcError], Problem]

#: What ``Engine.validate`` raises about a job's own fields, as a problem of that field.
JOB_FIELD_PROBLEMS: Mapping[type[AigcError], Explain] = {
    UnknownGenerator: lambda job, exc: Problem(field="generator", code="unknown_generator",
                                               message=str(exc)),
    UnknownModel: lambda job, exc: Problem(field="model", code="unknown_model",
                                           message=str(exc)),
}


def job_problems(validate: Validate, job: Job,
                 explain: Mapping[type[AigcError], Explain] = JOB_FIELD_PROBLEMS
                 ) -> list[Problem]:
    """What is wrong with ``job``, as problems naming its fields; empty when it may run.
    ``explain`` says how an error about the job's own fields reads (the gateway does not list
    the generators that another API key may use)."""
    try:
        validate(job)
    except InvalidInput as exc:
        return list(exc.problems)
    except tuple(explain) as exc:
        kind = next(kind for kind in explain if isinstance(exc, kind))
        return [explain[kind](job, exc)]
    return []


def batch_problems(validate: Validate, jobs: Iterable[tuple[str, Job]], sep: str = ".",
                   explain: Mapping[type[AigcError], Explain] = JOB_FIELD_PROBLEMS
                   ) -> list[Problem]:
    """Every problem of ``(name, job)`` pairs, fields prefixed by the job's name and ``sep``."""
    return [problem for name, job in jobs
            for problem in prefixed(job_problems(validate, job, explain), name, sep)]


def check_batch(validate: Validate, jobs: Iterable[tuple[str, Job]], source: str,
                sep: str = ".") -> None:
    """Raise ``InvalidBatch`` (from ``source``: a file, "batch") with every problem of the named
    jobs, or return when all of them may run."""
    problems = batch_problems(validate, jobs, sep)
    if problems:
        raise InvalidBatch(source, problems)
