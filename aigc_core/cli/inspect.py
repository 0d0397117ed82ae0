"""``aigc plugins``, ``aigc generators``, ``aigc models``: what is installed and configured."""

from __future__ import annotations

import json
from typing import Any

import click

from ..redact import redact
from .common import handle_errors


def _fields(model) -> str:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return ", ".join(
        name + ("" if name in required else "?") for name in schema.get("properties", {})
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@handle_errors
def plugins(obj, as_json: bool) -> None:
    """List loaded plugins (name, version, hooks), installed plugins the settings keep out,
    and plugins that failed to load."""
    host = obj.engine.host
    if as_json:
        data = {
            "plugins": [vars(info) for info in host.plugins.values()],
            # Hooks are unknown: a plugin kept out is not imported.
            "disabled": [{"name": p.info.name, "version": p.info.version,
                          "distribution": p.info.distribution, "disabled_by": p.setting}
                         for p in host.disabled.values()],
            "failures": host.failures,
            "warnings": host.warnings,
        }
        click.echo(json.dumps(data, indent=2))
        return
    for info in host.plugins.values():
        click.echo(f"{info.name} {info.version} ({info.distribution}): {', '.join(info.hooks)}")
    for plugin in host.disabled.values():
        info = plugin.info
        click.echo(f"{info.name} {info.version} ({info.distribution}): disabled by "
                   f"{plugin.setting}; to load it, {plugin.how_to_enable}")
    for name, error in host.failures.items():
        click.echo(f"FAILED {name}: {error}", err=True)
    for warning in host.warnings:
        click.echo(f"WARNING {warning}", err=True)


@click.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print input and output JSON schemas.")
@click.pass_obj
@handle_errors
def generators(obj, name: str | None, as_json: bool) -> None:
    """List generators with their plugin, description and input fields (? = optional)."""
    engine = obj.engine
    selected = [engine.generator(name)] if name else list(engine.generators.values())
    if as_json:
        data = [
            {
                "name": reg.generator.name,
                "plugin": reg.plugin,
                "description": reg.generator.description,
                "input_schema": reg.generator.input_model.model_json_schema(),
                "output_schema": reg.generator.output_model.model_json_schema()
                if reg.generator.output_model else {"type": "string"},
                "formats": sorted(reg.generator.exporters),
            }
            for reg in selected
        ]
        click.echo(json.dumps(data if not name else data[0], indent=2, ensure_ascii=False))
        return
    for reg in sorted(selected, key=lambda r: r.generator.name):
        gen = reg.generator
        click.echo(f"{gen.name}  [{reg.plugin}]\n    {gen.description}")
        click.echo(f"    input: {_fields(gen.input_model)}")


def _masked(value: Any) -> Any:
    """Settings as shown: a ``base_url`` may carry ``user:password@`` or ``?api_key=``."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@handle_errors
def models(obj, as_json: bool) -> None:
    """List configured models and their backends."""
    settings = obj.engine.settings
    if as_json:
        click.echo(json.dumps(
            {name: _masked(cfg.model_dump(mode="json")) for name, cfg in settings.models.items()},
            indent=2))
        return
    for name, cfg in settings.models.items():
        detail = ", ".join(f"{k}={redact(str(v))}" for k, v in cfg.backend_settings().items()
                           if "key" not in k.lower())
        click.echo(f"{name}: backend={cfg.backend}" + (f" ({detail})" if detail else ""))


COMMANDS = [plugins, generators, models]
