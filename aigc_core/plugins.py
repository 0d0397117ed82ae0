"""Plugin discovery through the ``aigc`` entry-point group, with failures isolated per plugin."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginError
from .generator import Generator, RegisteredGenerator

ENTRY_POINT_GROUP = "aigc"
BUILTIN = "aigc.backends"

log = logging.getLogger(__name__)

BackendFactory = Callable[..., Any]


@dataclass
class PluginInfo:
    name: str
    version: str
    distribution: str
    hooks: list[str] = field(default_factory=list)


@dataclass
class PluginHost:
    """The loaded plugins and everything they registered."""

    pm: pluggy.PluginManager
    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    generators: dict[str, RegisteredGenerator] = field(default_factory=dict)
    backends: dict[str, BackendFactory] = field(default_factory=dict)
    conflicts: dict[str, list[str]] = field(default_factory=dict)


@functools.cache
def aigc_version() -> str:
    """The installed aigc's version. Cached: looking it up scans every installed distribution
    (milliseconds), and every job's provenance names it."""
    try:
        return metadata.version("aigc")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def load_plugins(
    enable: list[str] | None = None,
    disable: list[str] | None = None,
    strict: bool = False,
    extra: dict[str, ModuleType] | None = None,
) -> PluginHost:
    """Load plugins from the entry-point group, plus ``extra`` ones given as ``{name: module}``.

    A plugin that fails to import or to register is recorded in ``failures`` (and logged) and
    the others keep working; with ``strict`` the first failure raises ``PluginError``.
    """
    pm = pluggy.PluginManager("aigc")
    pm.add_hookspecs(hookspecs)
    host = PluginHost(pm=pm)
    from . import backends

    _add(host, BUILTIN, backends, PluginInfo(BUILTIN, aigc_version(), "aigc"))

    disabled = set(disable or [])
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in disabled or (enable is not None and ep.name not in enable):
            continue
        if ep.name in host.plugins:
            message = f"name already taken by {host.plugins[ep.name].distribution}"
            if strict:
                raise PluginError(ep.name, message)
            host.failures[f"{ep.name} ({ep.value})"] = message
            continue
        dist = ep.dist
        info = PluginInfo(ep.name, dist.version if dist else "unknown",
                          dist.metadata["Name"] if dist else "unknown")
        try:
            module = ep.load()
        except Exception as exc:
            _fail(host, ep.name, f"failed to import {ep.value}: {type(exc).__name__}: {exc}",
                  strict)
            continue
        _add(host, ep.name, module, info)
    for name, module in (extra or {}).items():
        _add(host, name, module, PluginInfo(name, "0+local", "(registered in code)"))

    _collect(host, "register_generators", _generator_registrar, strict)
    _collect(host, "register_backends", _backend_registrar, strict)
    for name, owners in host.conflicts.items():
        host.generators.pop(name, None)
        message = f"generator {name!r} is registered by several plugins: {', '.join(owners)}"
        if strict:
            raise PluginError(owners[-1], message)
        log.error("%s; it is disabled until one of them is (AIGC_DISABLE_PLUGINS)", message)
    return host


def _add(host: PluginHost, name: str, module: ModuleType, info: PluginInfo) -> None:
    host.pm.register(module, name=name)
    info.hooks = sorted(c.name for c in host.pm.get_hookcallers(module) or [])
    host.plugins[name] = info


def _fail(host: PluginHost, name: str, message: str, strict: bool) -> None:
    if strict:
        raise PluginError(name, message)
    log.error("plugin %r disabled: %s", name, message)
    host.failures[name] = message
    plugin = host.pm.get_plugin(name)
    if plugin is not None:
        host.pm.unregister(plugin)
    host.plugins.pop(name, None)


def _collect(host: PluginHost, hook: str, registrar: Callable, strict: bool) -> None:
    # Each plugin's hook is called on its own so a broken one is attributed and isolated.
    for impl in getattr(host.pm.hook, hook).get_hookimpls():
        if impl.plugin_name in host.failures:
            continue
        try:
            impl.function(register=registrar(host, impl.plugin_name))
        except Exception as exc:
            _fail(host, impl.plugin_name, f"{hook} raised {type(exc).__name__}: {exc}", strict)


def _generator_registrar(host: PluginHost, plugin: str) -> Callable[[Generator], None]:
    def register(generator: Generator) -> None:
        if not isinstance(generator, Generator):
            raise TypeError(f"register() takes a Generator, not {type(generator).__name__}")
        name = generator.name
        if name in host.conflicts:
            host.conflicts[name].append(plugin)
        elif name in host.generators:
            host.conflicts[name] = [host.generators[name].plugin, plugin]
        else:
            version = host.plugins[plugin].version
            host.generators[name] = RegisteredGenerator(generator, plugin, version)

    return register


def _backend_registrar(host: PluginHost, plugin: str) -> Callable[[str, BackendFactory], None]:
    def register(kind: str, factory: BackendFactory) -> None:
        if kind in host.backends:
            raise PluginError(plugin, f"backend kind {kind!r} is already registered")
        host.backends[kind] = factory

    return register
