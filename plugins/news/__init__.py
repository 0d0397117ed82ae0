"""The news plugin: articles written from facts, headline variants, and summaries."""

from __future__ import annotations

from aigc_core import hookimpl

from . import article, headlines, summary


@hookimpl
def register_generators(register):
    for module in (article, headlines, summary):
        register(module.GENERATOR)
