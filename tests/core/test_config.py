"""Settings from TOML and the environment; errors that name the setting."""

from __future__ import annotations

import pytest

from aigc_core import Engine
from aigc_core.config import load_settings
from aigc_core.errors import ConfigError

TOML = """
template_dirs = ["prompts"]
disable_plugins = ["ads"]

[defaults]
temperature = 0.5

[models.fast]
backend = "openai"
base_url = "http://127.0.0.1:9/v1"
model = "qwen"
structured_output = "json_object_schema"
"""


def test_zero_configuration_has_the_embedded_default_model():
    settings = load_settings()
    assert settings.models["default"].backend == "llama_cpp"
    assert settings.strict_plugins is False


def test_toml_file_and_environment_override(tmp_path, monkeypatch):
    path = tmp_path / "aigc.toml"
    path.write_text(TOML)
    settings = load_settings(path)
    assert settings.models["fast"].backend_settings()["model"] == "qwen"
    assert settings.models["default"].backend == "llama_cpp"
    assert [p.name for p in settings.template_dirs] == ["prompts"]
    assert settings.defaults.temperature == 0.5
    monkeypatch.setenv("AIGC_DISABLE_PLUGINS", "news, labels")
    monkeypatch.setenv("AIGC_MODELS__FAST__MODEL", "llama")
    settings = load_settings(path)
    assert settings.disable_plugins == ["news", "labels"]
    assert settings.models["fast"].backend_settings()["model"] == "llama"


def test_aigc_toml_in_working_directory_is_read(tmp_path):
    (tmp_path / "aigc.toml").write_text('enable_plugins = ["news"]\n')
    assert load_settings().enable_plugins == ["news"]


def test_bad_setting_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[defaults]\ntemperature = 9\n")
    with pytest.raises(ConfigError, match=r"defaults.temperature: .*less than or equal to 2"):
        load_settings(path)
    path.write_text("unknown_key = 1\n")
    with pytest.raises(ConfigError, match="unknown_key: is not an accepted field"):
        load_settings(path)
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "missing.toml")


def test_backend_settings_are_validated_when_the_model_is_used(tmp_path):
    path = tmp_path / "aigc.toml"
    path.write_text('[models.x]\nbackend = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n'
                    'tiemout = 3\n')
    engine = Engine(load_settings(path, enable_plugins=[]))
    with pytest.raises(ConfigError) as info:
        engine.backend("x")
    assert "models.x.model: is required but missing" in str(info.value)
    assert "models.x.tiemout: is not an accepted field" in str(info.value)


def test_unknown_backend_kind_lists_installed_ones(tmp_path):
    engine = Engine(load_settings(models={"default": {"backend": "vllm"}}, enable_plugins=[]))
    with pytest.raises(ConfigError,
                       match="unknown backend 'vllm'; installed: llama_cpp, local, openai"):
        engine.backend("default")


def test_missing_api_key_variable_is_named():
    engine = Engine(load_settings(
        models={"default": {"backend": "openai", "base_url": "http://127.0.0.1:9/v1",
                            "model": "m", "api_key_env": "MY_KEY"}}, enable_plugins=[]))
    with pytest.raises(ConfigError, match="'MY_KEY', which is not set"):
        engine.backend("default")
