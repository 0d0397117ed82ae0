"""The engines a submitter validates jobs with, loading as few plugins as they can.

A job is validated before it is queued (a bad input never reaches a worker), against its
generator's input model, which lives in the plugin that registers the generator. Loading every
installed plugin for that was most of a one-shot ``aigc submit`` (a first ``submit()`` took
about 0.5 s; the education plugin's import of textstat and nltk alone takes most of that).
So each generator is looked up first in the one plugin whose entry-point name is the
generator's namespace (``news`` for ``news.headlines``, as docs/plugins.md names them); only a
generator found there is validated that way, anything else by the engine of every plugin.

The validation is the same either way: the same plugin's input model. What a one-plugin engine
cannot see is another plugin registering the same generator name (the full engine then
refuses it as registered twice, and so do workers, with a failed result naming both plugins).
"""

from __future__ import annotations

import threading
from importlib import metadata

from aigc_core import Engine
from aigc_core.config import Settings
from aigc_core.plugins import ENTRY_POINT_GROUP, KEPT_ON


class Validators:
    """Engines for validation (plugins loaded, never a model), built on first use. Thread-safe."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._full: Engine | None = None
        self._by_plugin: dict[str, Engine] = {}

    @property
    def full(self) -> Engine:
        """The engine of every plugin the settings enable."""
        with self._lock:
            if self._full is None:
                self._full = Engine(self.settings)
            return self._full

    def for_generator(self, generator: str) -> Engine:
        """An engine that knows ``generator`` if any does: the one of the plugin named like its
        namespace where that plugin registers it, else the full one."""
        if self._full is None:
            engine = self._plugin_engine(generator.partition(".")[0])
            if engine is not None and generator in engine.generators:
                return engine
        return self.full

    def _plugin_engine(self, plugin: str) -> Engine | None:
        with self._lock:
            if plugin not in self._by_plugin:
                installed = metadata.entry_points(group=ENTRY_POINT_GROUP).names
                if plugin not in installed or not self._enabled(plugin):
                    return None
                # Only that plugin: an enable list still loads the KEPT_ON ones (the AI
                # label), which register no generator.
                others = sorted((KEPT_ON & installed) - {plugin})
                self._by_plugin[plugin] = Engine(self.settings.model_copy(update={
                    "enable_plugins": [plugin],
                    "disable_plugins": [*self.settings.disable_plugins, *others]}))
            return self._by_plugin[plugin]

    def _enabled(self, plugin: str) -> bool:
        enabled = self.settings.enable_plugins
        return plugin not in self.settings.disable_plugins and (enabled is None
                                                                 or plugin in enabled)
