"""aigc: plugin-based AI content automation.

Plugin authors need ``hookimpl``, ``Generator`` and ``Problem``; callers need ``Engine``, ``Job``
and ``Result``.
"""

from .context import JobContext
from .engine import Engine
from .errors import (
    AigcError,
    BackendError,
    ConfigError,
    InvalidInput,
    JobRejected,
    PluginError,
    TemplateError,
    UnknownGenerator,
    UnknownModel,
)
from .generator import Chunking, Generator
from .hookspecs import hookimpl
from .jobs import Job, Result
from .options import GenerationOptions
from .problems import Problem

__all__ = [
    "AigcError",
    "BackendError",
    "Chunking",
    "ConfigError",
    "Engine",
    "GenerationOptions",
    "Generator",
    "InvalidInput",
    "Job",
    "JobContext",
    "JobRejected",
    "PluginError",
    "Problem",
    "Result",
    "TemplateError",
    "UnknownGenerator",
    "UnknownModel",
    "hookimpl",
]
