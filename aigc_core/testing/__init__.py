"""The plugin author's test kit: run generators on scripted answers, check grammars.

    from aigc_core.testing import assert_grammar, run_generator

    def test_a_greeting_without_the_name_is_repaired():
        result = run_generator(GREETING, {"name": "Ada"}, ["Hi there!", "Hello, Ada!"])
        assert result.ok and result.text == "Hello, Ada!"
        assert result.provenance.rejected_answers == ["Hi there!"]

    def test_llama_cpp_accepts_the_schema():
        assert_grammar(cards_schema(CardsInput(count=2)))

- ``run_generator(generator, input, answers)``: one job through the whole engine, the model
  answering from ``answers``.
- ``scripted_engine(*generators, plugins=...)``: an ``Engine`` on the scripted model, for several
  jobs or ``engine.render``.
- ``ScriptedBackend``, ``scripted(answers)``, ``plugin_module(*generators)``: the scripted model
  itself, registered through the ``register_backends`` hook as the backend kind ``scripted``.
- ``assert_grammar(schema, accepts=..., rejects=...)``: llama.cpp turns the schema into a
  grammar that allows exactly what it should (needs ``aigc[local]``).
"""

from .backend import Answer, ScriptedBackend, plugin_module, scripted
from .grammar import assert_grammar
from .run import run_generator, scripted_engine

__all__ = [
    "Answer",
    "ScriptedBackend",
    "assert_grammar",
    "plugin_module",
    "run_generator",
    "scripted",
    "scripted_engine",
]
