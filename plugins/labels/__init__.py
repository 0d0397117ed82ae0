"""The labels plugin: marks every generated output as AI-generated.

* a visible (explicit) label in the language of the output, inside a text result or, for a
  structured output that must keep its schema, in ``result.metadata["ai_label"]["explicit"]``
  for exporters to show;
* a machine-readable (implicit) label in ``result.metadata["ai_label"]["implicit"]``: the
  GB 45438-2025 fields, the IPTC digital source type and a sha256 of the labelled content;
* ``aigc verify-label FILE`` to check saved results.

Configured under ``[plugin_settings.labels]`` (see ``settings.py``); turned off with
``AIGC_DISABLE_PLUGINS=labels``.
"""

from __future__ import annotations

import click

from aigc_core import JobContext, Result, hookimpl

from . import label, settings
from .command import verify_label


# trylast: label after every other post-processor so the digest covers the final content.
@hookimpl(trylast=True)
def after_generation(context: JobContext, result: Result) -> None:
    if not result.ok:
        return  # a failed job has no output to publish, so nothing to label
    config = settings.load(context.plugin_settings(settings.SETTINGS_KEY))
    label.apply(result, config, label.language_of(context.data))


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(verify_label)
