"""Untranslated segments (``translated`` / ``untranslated.py``): real embedded-model outputs kept
as fixtures, the cases a good translation must pass, and the repair loop through the engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigc_core import lexicon
from aigc_core.testing import ScriptedBackend, scripted
from aigc_plugins.translation import languages, untranslated
from aigc_plugins.translation.chunking import DocumentChunking
from aigc_plugins.translation.models import TranslateInput, TranslateOutput
from aigc_plugins.translation.translate import TRANSLATE
from aigc_plugins.translation.validators import translated

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gates"
REAL = sorted(FIXTURES.glob("untranslated_*.json"))


def document(text, **fields) -> TranslateInput:
    return TranslateInput(text=text, **{"target_language": "es", "source_language": "en",
                                        **fields})


def found(source, translation, **fields) -> list[tuple[str, str]]:
    data = document(source, **fields)
    return [(p.field, p.code) for p in translated(TranslateOutput(translation=translation), data)]


# -- real outputs of the embedded model ----------------------------------------------------------
@pytest.mark.parametrize("path", REAL, ids=[path.stem for path in REAL])
def test_real_outputs(path):
    """Each fixture is a result of ``aigc generate translation.translate`` on the embedded model
    (``origin`` says which); ``expected`` is what ``translated`` says of its output."""
    case = json.loads(path.read_text())
    data = TranslateInput.model_validate(case["input"])
    output = TranslateOutput.model_validate(case["output"])
    problems = translated(output, data)
    assert sorted([p.field, p.code] for p in problems) == sorted(case["expected"])
    for problem in problems:
        assert "translate it into" in problem.message


def test_there_are_real_fixtures_of_both_kinds():
    expected = [json.loads(path.read_text())["expected"] for path in REAL]
    assert any(expected) and not all(expected)


# -- rules ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "translation"), [
    ("Buy now", "Comprar ahora"),
    ("Welcome to Springfield Council", "Bienvenido a Springfield Council"),  # a name
    ("Our office in Berlin", "Unsere Büro in Berlin"),                       # "in" + a name
    ("OK", "OK"),                                                            # one word
    ("Email", "Email"),                                                      # a loanword
    ("Save Changes", "Save Changes"),          # Title Case reads as a name (a known gap)
    ("Open the iPhone app", "Abre la app iPhone"),
    ("Read more at https://example.com/buy-now-and-save today",
     "Lee más en https://example.com/buy-now-and-save hoy"),                 # a URL is masked
    ("Hello {user_name}, welcome", "Hola {user_name}, bienvenido"),           # a placeholder
    ("Run make build_all to finish", "Ejecuta make build_all para terminar"),  # code
    ("Version 2.0 of the app", "Versión 2.0 de la app"),                     # numbers
])
def test_what_may_stay_the_same_passes(source, translation):
    assert found(source, translation) == []
    assert found(source, translation, target_language="de") == []


@pytest.mark.parametrize(("source", "translation", "run"), [
    ("Buy now", "Buy now", "Buy now"),
    ("Buy now and save", "Compra now and save", "now and save"),
    ("Free shipping on orders over $50", "Envío free shipping on orders over $50",
     "Free shipping on orders over"),
    ("Buy now, pay later", "Compra ahora, pay later", "pay later"),
])
def test_source_words_left_as_they_were_fail(source, translation, run):
    data = document(source)
    problems = translated(TranslateOutput(translation=translation), data)
    assert [(p.field, p.code) for p in problems] == [("translation", "untranslated")]
    assert repr(run) in problems[0].message and "into Spanish" in problems[0].message


# -- words alone, judged by the word lists ---------------------------------------------------------
PAIRS = json.loads((FIXTURES / "translation_pairs.json").read_text())


@pytest.mark.parametrize(("source_language", "target_language", "source", "translation"),
                         PAIRS["good"], ids=[f"{s}-{t}-{i}" for i, (s, t, *_) in
                                             enumerate(PAIRS["good"])])
def test_loanwords_and_shared_words_pass(source_language, target_language, source, translation):
    assert found(source, translation, source_language=source_language,
                 target_language=target_language) == []


@pytest.mark.parametrize(("source_language", "target_language", "source", "translation", "word"),
                         PAIRS["copied"], ids=[case[-1] for case in PAIRS["copied"]])
def test_a_foreign_word_left_alone_fails_naming_it(source_language, target_language, source,
                                                   translation, word):
    data = document(source, source_language=source_language, target_language=target_language)
    problems = translated(TranslateOutput(translation=translation), data)
    assert [(p.field, p.code) for p in problems] == [("translation", "untranslated")]
    assert f"leaves {word!r} in English" in problems[0].message


def test_runs_come_first_and_a_word_is_named_once():
    assert untranslated.left("The museum opens at nine.", "The museum est débutée à nine.",
                             "en", "fr") == ["The museum", "nine"]
    assert untranslated.left("Nine is nine.", "Neuf, c'est nine.", "en", "fr") == ["nine"]


def test_what_a_word_list_cannot_judge_falls_back_to_runs():
    # Japanese has no list to look words up in (lexicon.available): runs still count, as
    # without the lists, and no word is judged alone.
    assert "ja" not in lexicon.available()
    assert found("Buy now", "Buy now", target_language="ja") == [("translation", "untranslated")]
    assert found("It opens at nine.", "それは nine 時に開きます。", target_language="ja") == []
    assert found("It opens at nine.", "Elle ouvre à nine.", target_language="fr") == [
        ("translation", "untranslated")]


def test_longer_segments_need_three_words_and_close_languages_two_more():
    text = ("The new library opens on Monday with a coffee shop, a reading room and a garden "
            "for children.")
    loanword = ("La nueva biblioteca abre el lunes con un coffee shop, una sala de lectura y un "
                "jardín para niños.")
    assert found(text, loanword) == []  # two shared words in a long segment: a loanword
    kept = "La nueva biblioteca abre el lunes with a coffee shop, una sala y un jardín."
    assert found(text, kept) == [("translation", "untranslated")]
    # Spanish and Italian share phrases such as "con una sala grande": more words are needed.
    assert languages.close("es", "it") and not languages.close("en", "es")
    spanish = "La biblioteca abre el lunes con una sala grande para los niños."
    italian = "La biblioteca apre lunedì con una sala grande per i bambini."
    assert found(spanish, italian, source_language="es", target_language="it") == []
    assert found(spanish, italian, source_language="es", target_language="en") == [
        ("translation", "untranslated")]


def test_glossary_terms_may_stay_as_they_are():
    source, kept = "Think different with the new laptop", "Think different con el nuevo portátil"
    assert found(source, kept) == [("translation", "untranslated")]
    assert found(source, kept, glossary={"think different": "think different"}) == []


def test_json_problems_name_the_key():
    data = document({"menu": {"buy": "Buy now", "save": "Save"}}, format="json")
    output = TranslateOutput(translation={"menu": {"buy": "Buy now", "save": "Guardar"}})
    assert [p.field for p in translated(output, data)] == ["translation.menu.buy"]
    parts = DocumentChunking().split(data)
    assert [part.segment for part in parts] == ["translation.menu.buy", "translation.menu.save"]


# -- through the engine, with a scripted model ---------------------------------------------------
def test_an_untranslated_value_is_fed_back_and_repaired(make_engine):
    engine = make_engine(TRANSLATE)
    scripted(['{"translation": "Buy now"}', '{"translation": "Compra ahora"}',
              '{"translation": "Guardar"}'])
    result = engine.run(engine.make_job("translation.translate", {
        "text": {"cta": "Buy now", "save": "Save"}, "format": "json",
        "target_language": "es", "source_language": "en"}))
    assert result.ok, result.problems
    assert result.output["translation"] == {"cta": "Compra ahora", "save": "Guardar"}
    repair = ScriptedBackend.requests[1].messages[-1].content
    assert "translation.cta: leaves 'Buy now' in English" in repair


def test_a_value_never_translated_fails_naming_its_key(make_engine):
    engine = make_engine(TRANSLATE)
    scripted(['{"translation": "Buy now"}'] * 3)
    result = engine.run(engine.make_job("translation.translate", {
        "text": {"cta": "Buy now", "title": "Cart"}, "format": "json",
        "target_language": "es", "source_language": "en"}))
    assert not result.ok
    assert [(p.field, p.code) for p in result.problems] == [
        ("part[0].translation.cta", "untranslated")]
