"""Exceptions raised to callers. Each carries a message a person can act on."""

from __future__ import annotations

from .problems import Problem
from .redact import redact


class AigcError(Exception):
    """Base class for every error aigc raises on purpose."""


class InvalidInput(AigcError, ValueError):
    """A job's input (or the job itself) does not match what the generator accepts."""

    def __init__(self, generator: str, problems: list[Problem]):
        self.generator = generator
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"invalid input for {generator}:\n{lines}\n"
            f"(see `aigc generators {generator} --json` for the input schema)"
        )


class InvalidBatch(InvalidInput):
    """Jobs of a batch (a file's lines, a list of jobs) have problems; none of them runs. Each
    problem's field names its job first (``line 3: input.text``, ``jobs[2].input.text``), so
    one problem is one line."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.generator = source  # read as InvalidInput's: what the problems are about
        self.problems = problems
        if len(problems) == 1:
            message = f"{source}: {problems[0]}"
        else:
            lines = "\n".join(f"  - {p}" for p in problems)
            message = f"{source}: {len(problems)} problems:\n{lines}"
        AigcError.__init__(self, message)  # not InvalidInput's message: that names a generator


class JobRejected(AigcError):
    """Raised by a ``prepare_job`` hook to refuse a job (input policy)."""

    def __init__(self, reason: str, problems: list[Problem] | None = None):
        self.problems = problems or []
        super().__init__(reason)


class UnknownGenerator(AigcError, LookupError):
    """``hint`` says why the generator is missing, when that is known; else the message lists
    the generators there are."""

    def __init__(self, name: str, known: list[str], hint: str = ""):
        hint = hint or f"available: {', '.join(sorted(known)) or 'none installed'}"
        super().__init__(f"no generator named {name!r}; {hint}")


class UnknownModel(AigcError, LookupError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(
            f"no model named {name!r}; configured: {', '.join(sorted(known))}. "
            "Add it under [models.NAME] in the config file (see `aigc models`)."
        )


class ConfigError(AigcError):
    """The configuration (file or environment) is wrong; the message names the setting."""


class PluginError(AigcError):
    """A plugin failed to load or registered something invalid."""

    def __init__(self, plugin: str, message: str):
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}")


class TemplateError(AigcError):
    """A prompt template is missing, broken, refers to an unknown variable, or is unsafe."""


class DeadlineExceeded(AigcError):
    """The job ran out of time (see ``aigc_core.deadline``)."""


class BackendError(AigcError):
    """A model call failed. ``retryable`` marks transport failures worth another try.

    The message reaches API clients in ``result.error``: credentials in it are masked here,
    whatever backend (a plugin's too) wrote it.
    """

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None):
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(redact(message))


class BackendUnavailable(BackendError):
    """The backend cannot be used here (e.g. its optional dependency is not installed)."""
