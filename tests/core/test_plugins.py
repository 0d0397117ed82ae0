"""Plugin loading: isolation of broken plugins, strict mode, conflicts, enable/disable."""

from __future__ import annotations

import types

import pytest

from aigc_core import hookimpl
from aigc_core.errors import ConfigError, PluginError, UnknownGenerator
from aigc_core.plugins import load_plugins
from aigc_core.testing import plugin_module
from tests.support.demo import ECHO, TAGLINE


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


def test_an_enable_list_keeps_labelling_on_until_it_is_disabled_by_name():
    assert set(load_plugins(enable=["news"]).plugins) == {"aigc.backends", "news", "labels"}
    assert "labels" in load_plugins(enable=[]).plugins
    assert "labels" not in load_plugins(enable=["news"], disable=["labels"]).plugins


def test_plugins_kept_out_are_listed_with_the_setting_that_keeps_them_out():
    host = load_plugins(enable=["news"], disable=["ads"])
    assert host.disabled["ads"].setting == "disable_plugins"
    assert host.disabled["education"].setting == "enable_plugins"
    assert "news" not in host.disabled and "labels" not in host.disabled


@pytest.mark.parametrize(("settings", "fix"), [
    ({"disable": ["news"]}, "remove 'news' from disable_plugins"),
    ({"enable": ["ads"]}, "add 'news' to enable_plugins"),
])
def test_a_generator_of_a_plugin_kept_out_says_how_to_load_it(settings, fix):
    error = load_plugins(**settings).unknown_generator("news.article")
    assert "provided by plugin 'news', which" in str(error) and fix in str(error)
    assert "available:" in str(load_plugins().unknown_generator("news.nope"))


@pytest.mark.parametrize("setting", ["enable", "disable"])
def test_an_unknown_plugin_name_is_a_warning_or_with_strict_an_error(setting, caplog):
    host = load_plugins(**{setting: ["nwes"]})
    [warning] = host.warnings
    assert warning.startswith(f"{setting}_plugins: no installed plugin is named 'nwes'; "
                              "installed: ads, education, ") and warning in caplog.text
    with pytest.raises(ConfigError, match=f"{setting}_plugins: .*'nwes'.*installed: ads"):
        load_plugins(strict=True, **{setting: ["nwes"]})
