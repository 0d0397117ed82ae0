"""Prompt templates: a hardened Jinja2 sandbox, operator overrides by name, sha256 provenance.

Lookup order for a template name: the operator's template directories, then the generator's
inline ``template_sources``, then the ``templates/`` folder of its ``templates_from`` package,
then the engine's own templates (``aigc/repair.j2``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import deadline
from .errors import ConfigError, TemplateError
from .generator import Generator
from .jobs import TemplateRef
from .sandbox import MAX_RENDERED_CHARS, HardenedSandbox


@dataclass(frozen=True)
class Rendered:
    text: str
    ref: TemplateRef


class TemplateStore:
    """Renders the templates of generators.

    >>> store = TemplateStore([Path("prompts")])
    >>> store.render(generator, "news/article.user.j2", {"facts": [...]}).text
    """

    def __init__(self, operator_dirs: list[Path] | None = None):
        self.operator_dirs = [Path(d) for d in operator_dirs or []]
        # A misspelt directory would otherwise be searched in vain on every render, and the
        # operator's override would silently never apply.
        missing = [str(d) for d in self.operator_dirs if not d.is_dir()]
        if missing:
            raise ConfigError(
                f"template_dirs: no directory at {', '.join(map(repr, missing))} "
                f"(relative paths are read from the working directory, {Path.cwd()})")
        self._operator_loader = jinja2.FileSystemLoader([str(d) for d in self.operator_dirs])
        self._envs: dict[str, HardenedSandbox] = {}

    def _env(self, generator: Generator) -> HardenedSandbox:
        env = self._envs.get(generator.name)
        if env is None:
            loaders: list[jinja2.BaseLoader] = [
                self._operator_loader,
                jinja2.DictLoader(dict(generator.template_sources)),
            ]
            if generator.templates_from:
                loaders.append(jinja2.PackageLoader(generator.templates_from, "templates"))
            # The engine's own templates (e.g. aigc/repair.j2) come last: overridable by name.
            loaders.append(jinja2.PackageLoader("aigc_core", "templates"))
            env = self._envs[generator.name] = HardenedSandbox(jinja2.ChoiceLoader(loaders))
        return env

    def source(self, generator: Generator, name: str) -> tuple[str, TemplateRef]:
        env = self._env(generator)
        try:
            text, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            raise TemplateError(
                f"{generator.name}: template {name!r} not found in operator dirs "
                f"{[str(d) for d in self.operator_dirs]}, inline sources or "
                f"package {generator.templates_from!r}/templates"
            ) from None
        origin = "operator" if filename and self._is_operator_file(filename) else "plugin"
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return text, TemplateRef(name=name, sha256=digest, origin=origin)

    def _is_operator_file(self, filename: str) -> bool:
        path = Path(filename).resolve()
        return any(path.is_relative_to(d.resolve()) for d in self.operator_dirs)

    def render(self, generator: Generator, name: str, variables: dict[str, Any]) -> Rendered:
        _, ref = self.source(generator, name)
        where = f"{generator.name}: template {name!r}"
        try:
            template = self._env(generator).get_template(name)
            text = "".join(_bounded(template.generate(**variables)))
        except TemplateError as exc:  # a bound of the sandbox
            raise TemplateError(f"{where}: {exc}") from None
        except jinja2.exceptions.SecurityError as exc:
            raise TemplateError(f"{where} was refused by the sandbox: {exc}") from None
        except jinja2.UndefinedError as exc:
            known = ", ".join(sorted(variables)) or "none"
            raise TemplateError(f"{where}: {exc}; variables available: {known}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{where} line {exc.lineno}: syntax error: {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{where}: {exc}") from None
        return Rendered(text=text.strip(), ref=ref)


def _bounded(chunks: Any) -> Any:
    size = 0
    for chunk in chunks:
        deadline.check()
        size += len(chunk)
        if size > MAX_RENDERED_CHARS:
            raise TemplateError(f"rendered more than {MAX_RENDERED_CHARS} characters")
        yield chunk
