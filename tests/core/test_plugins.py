"""Plugin loading: isolation of broken plugins, strict mode, conflicts, enable/disable."""

from __future__ import annotations

import types

import pytest

from aigc_core import hookimpl
from aigc_core.errors import PluginError, UnknownGenerator
from aigc_core.plugins import load_plugins
from tests.support.demo import ECHO, TAGLINE
from tests.support.fake_backend import plugin_module


def broken_module() -> types.ModuleType:
    module = types.ModuleType("broken")

    @hookimpl
    def register_generators(register):
        raise RuntimeError("boom")

    module.register_generators = register_generators
    return module


def test_builtin_backends_are_registered_through_the_hook():
    host = load_plugins(enable=[])
    assert {"openai", "local"} <= set(host.backends)
    assert "register_backends" in host.plugins["aigc.backends"].hooks


def test_broken_plugin_is_reported_and_others_keep_working(caplog):
    host = load_plugins(enable=[], extra={"good": plugin_module(TAGLINE), "bad": broken_module()})
    assert "demo.tagline" in host.generators
    assert host.generators["demo.tagline"].plugin == "good"
    assert "bad" in host.failures and "RuntimeError: boom" in host.failures["bad"]
    assert "bad" not in host.plugins
    assert "plugin 'bad' disabled" in caplog.text


def test_strict_mode_makes_a_broken_plugin_fatal():
    with pytest.raises(PluginError, match=r"plugin 'bad'.*boom"):
        load_plugins(enable=[], strict=True, extra={"bad": broken_module()})


def test_same_generator_from_two_plugins_is_a_clear_error():
    def two():
        return {"one": plugin_module(ECHO), "two": plugin_module(ECHO, backend=False)}

    host = load_plugins(enable=[], extra=two())
    assert not host.failures
    assert host.conflicts["demo.echo"] == ["one", "two"]
    assert "demo.echo" not in host.generators
    with pytest.raises(PluginError, match="registered by several plugins: one, two"):
        load_plugins(enable=[], strict=True, extra=two())


def test_conflicting_generator_cannot_run(make_engine):
    engine = make_engine()
    engine.host.conflicts["demo.echo"] = ["one", "two"]
    with pytest.raises(UnknownGenerator, match="several plugins: one, two"):
        engine.generator("demo.echo")


def test_entry_point_plugins_can_be_enabled_and_disabled():
    every = load_plugins()
    assert {"news", "labels"} <= set(every.plugins)
    assert "news" not in load_plugins(disable=["news"]).plugins
    only = load_plugins(enable=["labels"])
    assert set(only.plugins) == {"aigc.backends", "labels"}


def test_registering_a_non_generator_fails_that_plugin_only():
    module = types.ModuleType("wrong")

    @hookimpl
    def register_generators(register):
        register({"name": "x.y"})

    module.register_generators = register_generators
    host = load_plugins(enable=[], extra={"wrong": module, "good": plugin_module(ECHO)})
    assert "takes a Generator" in host.failures["wrong"]
    assert "demo.echo" in host.generators
