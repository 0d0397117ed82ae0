"""The prompt sandbox: strict variables, operator overrides, and SSTI refused."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import BaseModel

from aigc_core import Generator
from aigc_core.errors import ConfigError, TemplateError
from aigc_core.templates import TemplateStore


class In(BaseModel):
    topic: str


def generator(source: str) -> Generator:
    return Generator(name="t.g", description="", input_model=In, prompt="t/p.j2",
                     template_sources={"t/p.j2": source})


def test_renders_variables_and_records_sha256():
    store = TemplateStore()
    rendered = store.render(generator("About {{ topic }}."), "t/p.j2", {"topic": "tides"})
    assert rendered.text == "About tides."
    assert rendered.ref.sha256 == hashlib.sha256(b"About {{ topic }}.").hexdigest()
    assert rendered.ref.origin == "plugin"


def test_undefined_variable_is_an_error_naming_it_and_the_available_ones():
    with pytest.raises(TemplateError, match=r"'tpoic' is undefined.*available: topic"):
        TemplateStore().render(generator("{{ tpoic }}"), "t/p.j2", {"topic": "x"})


@pytest.mark.parametrize("attack", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ topic.__class__.__base__.__subclasses__() }}",
    "{{ range.__globals__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ ''.__class__ }}",
    "{% set x = [] %}{{ x.append(1) }}",
    "{{ topic.format_map.__self__ }}",
])
def test_template_injection_is_refused(attack: str):
    with pytest.raises(TemplateError) as info:
        TemplateStore().render(generator(attack), "t/p.j2", {"topic": "x"})
    assert "t.g: template 't/p.j2'" in str(info.value)


def test_no_globals_leak_into_templates():
    for name in ("cycler", "joiner", "lipsum", "namespace", "dict"):
        with pytest.raises(TemplateError, match="undefined"):
            TemplateStore().render(generator(f"{{{{ {name} }}}}"), "t/p.j2", {"topic": "x"})


def test_loops_and_output_are_bounded():
    with pytest.raises(TemplateError, match="exceeds the limit"):
        TemplateStore().render(generator("{% for i in range(10**7) %}{% endfor %}"), "t/p.j2",
                               {"topic": "x"})
    big = "{% for i in range(5000) %}{% for j in range(100) %}xx{% endfor %}{% endfor %}"
    with pytest.raises(TemplateError, match="rendered more than"):
        TemplateStore().render(generator(big), "t/p.j2", {"topic": "x"})


def test_operator_directory_overrides_by_name(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "p.j2").write_text("Operator prompt on {{ topic }}")
    rendered = TemplateStore([tmp_path]).render(generator("plugin"), "t/p.j2", {"topic": "x"})
    assert rendered.text == "Operator prompt on x"
    assert rendered.ref.origin == "operator"


def test_missing_template_names_where_it_looked(tmp_path):
    gen = Generator(name="t.g", description="", input_model=In, prompt="t/none.j2")
    with pytest.raises(TemplateError, match=r"'t/none.j2' not found"):
        TemplateStore([tmp_path]).render(gen, "t/none.j2", {"topic": "x"})


def test_syntax_error_names_line():
    with pytest.raises(TemplateError, match="line 2"):
        TemplateStore().render(generator("ok\n{% if %}"), "t/p.j2", {"topic": "x"})


def test_a_missing_operator_directory_is_refused_naming_the_setting(tmp_path):
    (tmp_path / "prompts").mkdir()
    with pytest.raises(ConfigError, match=r"template_dirs: no directory at '.*promtps'"):
        TemplateStore([tmp_path / "prompts", tmp_path / "promtps"])
