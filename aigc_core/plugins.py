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
from .errors import ConfigError, PluginError, UnknownGenerator
from .generator import Generator, RegisteredGenerator
from .labelling import LABELLING_PLUGIN

ENTRY_POINT_GROUP = "aigc"
BUILTIN = "aigc.backends"
#: Plugins an ``enable_plugins`` list does not leave out: results must not lose their AI label
#: because someone enabled a few generator plugins. Only ``disable_plugins`` turns them off.
KEPT_ON = frozenset({LABELLING_PLUGIN})

log = logging.getLogger(__name__)

BackendFactory = Callable[..., Any]


@dataclass
class PluginInfo:
    name: str
    version: str
    distribution: str
    hooks: list[str] = field(default_factory=list)


@dataclass
class DisabledPlugin:
    """An installed plugin the settings keep out, and the setting that does."""

    info: PluginInfo
    setting: str
    entry_point: metadata.EntryPoint

    @property
    def how_to_enable(self) -> str:
        if self.setting == "disable_plugins":
            return f"remove {self.info.name!r} from disable_plugins (AIGC_DISABLE_PLUGINS)"
        return f"add {self.info.name!r} to enable_plugins (AIGC_ENABLE_PLUGINS)"

    @functools.cached_property
    def generators(self) -> frozenset[str]:
        """The generators it would register. Its module is imported only when asked (to
        explain an unknown generator): the settings keep it out for a reason."""
        pm = pluggy.PluginManager("aigc")
        pm.add_hookspecs(hookspecs)
        names: list[str] = []
        try:
            pm.register(self.entry_point.load(), name=self.info.name)
            pm.hook.register_generators(register=lambda generator: names.append(generator.name))
        except Exception:  # a broken plugin provides nothing we can name
            return frozenset()
        return frozenset(names)


@dataclass
class PluginHost:
    """The loaded plugins and everything they registered."""

    pm: pluggy.PluginManager
    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    generators: dict[str, RegisteredGenerator] = field(default_factory=dict)
    backends: dict[str, BackendFactory] = field(default_factory=dict)
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    disabled: dict[str, DisabledPlugin] = field(default_factory=dict)
    #: Mistakes in the settings that did not stop loading (``strict`` makes them errors).
    warnings: list[str] = field(default_factory=list)

    def unknown_generator(self, name: str) -> UnknownGenerator:
        """The error for a generator that is not loaded, saying why when it can tell: several
        plugins register it, or a plugin the settings keep out provides it."""
        if name in self.conflicts:
            return UnknownGenerator(name, list(self.generators), hint=(
                f"it is registered by several plugins: {', '.join(self.conflicts[name])}; "
                "disable all but one"))
        for plugin in self.disabled.values():
            if name in plugin.generators:
                return UnknownGenerator(name, list(self.generators), hint=(
                    f"it is provided by plugin {plugin.info.name!r}, which {plugin.setting} "
                    f"keeps out; to use it, {plugin.how_to_enable}"))
        return UnknownGenerator(name, list(self.generators))


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
    ``enable`` leaves out every plugin it does not name except ``KEPT_ON`` ones; a name in
    ``enable`` or ``disable`` that no plugin has is a warning, or with ``strict`` a
    ``ConfigError``.
    """
    pm = pluggy.PluginManager("aigc")
    pm.add_hookspecs(hookspecs)
    host = PluginHost(pm=pm)
    from . import backends

    _add(host, BUILTIN, backends, PluginInfo(BUILTIN, aigc_version(), "aigc"))

    entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
    _check_names(host, {ep.name for ep in entry_points} | set(extra or {}),
                 {"enable_plugins": enable or [], "disable_plugins": disable or []}, strict)
    for ep in entry_points:
        dist = ep.dist
        info = PluginInfo(ep.name, dist.version if dist else "unknown",
                          dist.metadata["Name"] if dist else "unknown")
        setting = _kept_out_by(ep.name, enable, disable or [])
        if setting is not None:
            host.disabled[ep.name] = DisabledPlugin(info, setting, ep)
            continue
        if ep.name in host.plugins:
            message = f"name already taken by {host.plugins[ep.name].distribution}"
            if strict:
                raise PluginError(ep.name, message)
            host.failures[f"{ep.name} ({ep.value})"] = message
            continue
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


def _kept_out_by(name: str, enable: list[str] | None, disable: list[str]) -> str | None:
    """The setting that keeps a plugin from loading, or None when it loads."""
    if name in disable:
        return "disable_plugins"
    if enable is not None and name not in enable and name not in KEPT_ON:
        return "enable_plugins"
    return None


def _check_names(host: PluginHost, installed: set[str], settings: dict[str, list[str]],
                 strict: bool) -> None:
    # A misspelt name would otherwise do nothing: the plugin meant stays off (enable) or on
    # (disable) and nobody is told.
    for setting, names in settings.items():
        unknown = sorted(set(names) - installed)
        if not unknown:
            continue
        message = (f"{setting}: no installed plugin is named {', '.join(map(repr, unknown))}; "
                   f"installed: {', '.join(sorted(installed)) or 'none'}")
        if strict:
            raise ConfigError(message)
        log.warning("%s", message)
        host.warnings.append(message)


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
