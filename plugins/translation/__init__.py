"""The translation plugin: ``translation.translate`` translates text, Markdown, HTML and JSON i18n
files with protected placeholders, tags and structure."""

from aigc_core import hookimpl

from .translate import TRANSLATE


@hookimpl
def register_generators(register):
    register(TRANSLATE)
