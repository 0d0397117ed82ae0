"""The ``[gateway]`` settings, and the commands that make keys and serve."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from click.testing import CliRunner

from aigc_core.cli.main import cli
from aigc_core.config import load_settings
from aigc_core.errors import ConfigError
from aigc_gateway.auth import KeyRing
from aigc_gateway.keys import hash_key
from aigc_gateway.settings import GatewaySettings, gateway_settings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

HASH = hash_key("aigc_some-key")


@pytest.mark.parametrize(("table", "problem"), [
    ({"api_keys": {"a": {}}}, "gateway.api_keys.a: Value error, give exactly one of sha256"),
    ({"api_keys": {"a": {"sha256": HASH, "key_env": "X"}}}, "give exactly one of"),
    ({"api_keys": {"a": {"sha256": "ABC"}}}, "gateway.api_keys.a.sha256: String should match"),
    ({"api_keys": {"a b": {"sha256": HASH}}}, "gateway.api_keys.a b.[key]: String should match"),
    ({"api_keys": {"a": {"sha256": HASH, "generators": []}}}, "gateway.api_keys.a.generators"),
    ({"rate_window": 0}, "gateway.rate_window: Input should be greater than or equal to 1"),
    ({"max_body_bytes": 10}, "gateway.max_body_bytes"),
    ({"colour": "red"}, "gateway.colour: is not an accepted field"),
])
def test_bad_settings_are_refused_naming_the_setting(table: dict[str, Any], problem: str):
    with pytest.raises(ConfigError, match=re.escape(problem)):
        gateway_settings(load_settings(gateway=table))


def test_a_key_from_an_unset_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch):
    settings = GatewaySettings(api_keys={"svc": {"key_env": "AIGC_TEST_SVC_KEY"}})
    with pytest.raises(ConfigError, match=re.escape(
            "gateway.api_keys.svc.key_env names 'AIGC_TEST_SVC_KEY', which is not set")):
        KeyRing(settings)
    monkeypatch.setenv("AIGC_TEST_SVC_KEY", "aigc_from-env")
    assert KeyRing(settings).find("aigc_from-env").name == "svc"


def test_one_key_configured_twice_is_a_config_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AIGC_TEST_SVC_KEY", "aigc_some-key")
    settings = GatewaySettings(api_keys={"a": {"sha256": HASH},
                                         "b": {"key_env": "AIGC_TEST_SVC_KEY"}})
    with pytest.raises(ConfigError, match=re.escape(
            "gateway.api_keys.b is the same key as gateway.api_keys.a")):
        KeyRing(settings)


def test_keys_come_from_the_environment_too(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AIGC_GATEWAY__API_KEYS__SVC__SHA256", HASH)
    monkeypatch.setenv("AIGC_GATEWAY__PORT", "9000")
    config = gateway_settings(load_settings())
    assert (config.port, config.api_keys["svc"].sha256) == (9000, HASH)


def test_api_key_prints_a_key_and_the_table_that_accepts_it():
    result = CliRunner().invoke(cli, ["api-key", "newsroom", "-g", "news.*", "-g",
                                      "translation.translate", "--rate-limit", "120"])
    assert result.exit_code == 0, result.output
    key = re.search(r"(aigc_\S+)$", result.stderr.strip()).group(1)
    table = tomllib.loads(result.stdout)
    assert key not in result.stdout  # only its hash goes into the config file
    config = gateway_settings(load_settings(gateway=table["gateway"]))
    caller = KeyRing(config).find(key)
    assert caller is not None and caller.name == "newsroom"
    assert caller.config.rate_limit == 120
    assert caller.may_use("news.article") and not caller.may_use("ads.copy")
    assert KeyRing(config).find(key + "x") is None


def test_api_key_refuses_a_bad_name():
    result = CliRunner().invoke(cli, ["api-key", "news room"])
    assert result.exit_code == 2 and "api_keys.news room" in result.output


def test_serve_refuses_to_start_without_keys():
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert "gateway.api_keys is empty" in result.output
