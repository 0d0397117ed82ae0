"""The language and names gates (issue 13): real embedded-model outputs kept as fixtures
(``tests/fixtures/gates/``, each saying where it came from), the issue's examples, and the
edges of each rule."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import py3langid
import pytest

from aigc_core.errors import ConfigError
from aigc_core.gates import (
    GATES,
    GateSettings,
    GateView,
    identify,
    language,
    names,
    prose_fields,
    strings,
)
from aigc_core.gates.base import ProseField

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gates"
#: Hand-written texts, by the language each is in (the language gate's calibration set).
TEXTS: dict[str, list[str]] = json.loads(
    (FIXTURES / "language_texts.json").read_text(encoding="utf-8"))["texts"]
#: Real outputs: each fixture holds a job's input, rendered prompt and output, and the
#: problems each gate must find in it.
OUTPUTS = sorted(path.stem for path in FIXTURES.glob("language_names_*.json"))


def view(*texts: str, asked: str | None = "en", inputs: tuple[str, ...] = (),
         prompt: str = "", settings: dict[str, Any] | None = None) -> GateView:
    """The fields ``f[0]``, ``f[1]``, ... holding ``texts``, of a job asking ``asked``."""
    fields = [ProseField(f"f[{index}]", text) for index, text in enumerate(texts)]
    return GateView(fields=fields, prompt=prompt, input_texts=list(inputs), language=asked,
                    settings=GateSettings(**(settings or {})))


def found(problems: list) -> list[tuple[str, str]]:
    return [(problem.field, problem.code) for problem in problems]


def test_both_gates_are_registered():
    assert GATES["language"] is language.check and GATES["names"] is names.check


def real(name: str, **settings: Any) -> tuple[dict[str, Any], GateView]:
    """A fixture of ``OUTPUTS`` and the view the engine gave the gates of its job."""
    fixture = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return fixture, GateView(fields=prose_fields(fixture["output"]), prompt=fixture["prompt"],
                             input_texts=strings(fixture["input"]),
                             language=fixture["language"], settings=GateSettings(**settings))


@pytest.mark.parametrize("name", OUTPUTS)
def test_real_outputs(name: str):
    fixture, seen = real(name)
    for gate in ("language", "names"):
        expected = [tuple(item) for item in fixture["expect"][gate]]
        assert found(GATES[gate](seen)) == expected, gate


# -- language ---------------------------------------------------------------------------------


@pytest.mark.parametrize("asked", sorted(TEXTS))
def test_texts_in_the_asked_language_pass(asked: str):
    assert language.check(view(*TEXTS[asked], asked=asked)) == []


@pytest.mark.parametrize("asked", sorted(TEXTS))
def test_texts_in_another_language_fail(asked: str):
    others = [text for written, texts in TEXTS.items() if written != asked for text in texts]
    problems = language.check(view(*others, asked=asked))
    assert found(problems) == [(f"f[{index}]", "wrong_language") for index in range(len(others))]


def test_the_message_names_both_languages_and_the_fix():
    [problem] = language.check(view(TEXTS["en"][3], asked="fr"))
    assert problem.message.startswith("is written in English (en), not in French (fr)")
    assert problem.message.endswith("write this field in French")


def test_a_variety_found_is_named_by_its_main_language():
    # py3langid calls this Chinese text Wu Chinese ("wuu"), which has no name of its own here.
    [problem] = language.check(view(TEXTS["zh"][0], asked="ja"))
    assert problem.message.startswith("is written in Chinese (zh), not in Japanese (ja)")


def test_a_chinese_field_in_latin_letters_fails_by_script():
    # news.article asked in zh, as the embedded model wrote it (fixture news_solar_zh).
    english = "This solar farm is set to become the largest solar farm in the state of Illinois."
    [problem] = language.check(view(english, asked="zh"))
    assert "Latin script, not in Chinese (Han script)" in problem.message
    # Latin names inside Chinese prose are Chinese prose.
    assert language.check(view(TEXTS["zh"][0], TEXTS["zh"][3], asked="zh-Hans")) == []


def test_the_script_decides_where_the_detector_does_not_know_the_language():
    # Yiddish: py3langid lacks it, its script is Hebrew.
    assert "yi" not in py3langid.langid._get_identifier().labels
    assert found(language.check(view(TEXTS["en"][2], asked="yi"))) == [
        ("f[0]", "wrong_language")]


def test_what_is_not_judged():
    assert language.check(view(TEXTS["en"][0], asked=None)) == []
    assert language.check(view("Buy the shoes now", asked="fr")) == []  # too short
    assert language.check(view(TEXTS["en"][3], asked="French")) == []  # not a tag
    assert language.check(view(TEXTS["en"][3], asked="haw")) == []  # unknown to both
    slug = "the-new-solar-farm-in-springfield-promises-to-reduce-energy"
    assert language.check(view(slug, asked="zh")) == []  # for URLs, in Latin letters


def test_a_close_relative_stands_in_for_the_language():
    galician = "O concello inaugurou onte a nova biblioteca municipal no centro da vila."
    assert language.check(view(galician, asked="es")) == []
    assert language.relatives("nb") >= {"no", "da"} and "pt" not in language.relatives("es")


def test_an_operator_tunes_the_thresholds():
    mixed = TEXTS["en"][1]
    assert language.check(view(mixed, asked="fr")) != []
    assert language.check(view(mixed, asked="fr", settings={"language": {"min_words": 20}})) == []
    with pytest.raises(ConfigError, match=r"gates\.language: unknown setting"):
        language.check(view(mixed, asked="fr", settings={"language": {"min_word": 20}}))


def test_identify_scores_as_py3langid_does():
    """The batched scoring reads py3langid 0.4's internals: it must agree with its ``rank``
    (normalised as its ``norm_probs`` does) on every calibration text."""
    texts = [identify.sample(text, 1000) for lang in sorted(TEXTS) for text in TEXTS[lang]]
    for text, guess in zip(texts, identify.identify(texts), strict=True):
        ranked = py3langid.rank(text)
        best = ranked[0][1]
        scale = math.sqrt(len(text.encode()))
        total = sum(math.exp((score - best) / scale) for _, score in ranked)
        assert guess is not None and guess.best == ranked[0][0]
        assert guess.confidence == pytest.approx(1 / total, abs=1e-3)
    assert identify.identify(["", "12 34"]) == [None, None]


def test_a_text_identified_before_is_not_scored_again(monkeypatch):
    """A repair attempt sends most fields back unchanged: their guesses are reused."""
    identify._SEEN.cache_clear()
    french, german = TEXTS["fr"][0], TEXTS["de"][0]
    first = identify.identify([french, german])
    scored: list[list[str]] = []
    score = identify._identify
    monkeypatch.setattr(identify, "_identify",
                        lambda texts: scored.append(list(texts)) or score(texts))
    new = "Ein ganz neuer Satz auf Deutsch, den der Detektor noch nie gesehen hat."
    again = identify.identify([german, new, french, german])
    assert scored == [[new]]
    assert again[0] is first[1] and again[2] is first[0] and again[3] is first[1]
    assert again[1] is not None and again[1].best == "de"
    monkeypatch.setattr(identify._Seen, "SIZE", 3)
    identify.identify(["Un texte de plus, en français cette fois."])
    assert len(identify._SEEN.guesses) == 1  # full: the texts seen last start over


def test_the_rows_kept_as_float32_are_the_tables_and_start_over_when_full(monkeypatch):
    import numpy as np

    monkeypatch.setattr(identify._Model, "ROWS", 8)
    model = identify._Model(identify._model().identifier)
    for features in ([5, 9, 70000], [9, 11, 12, 13, 14], [1, 2, 3], list(range(20, 40))):
        wanted = np.asarray(features)
        rows = model.rows(wanted)
        assert rows.dtype == np.float32
        assert np.array_equal(rows, model.table[wanted].astype(np.float32)), features
    assert model._used == 3  # the third call found the eight rows taken and started over


def test_a_long_field_is_judged_on_a_bounded_sample_of_both_ends():
    text = "Le début est en français. " + "x " * 5000 + "The end is in English."
    sampled = identify.sample(text, 120)
    assert len(sampled) <= 121 and sampled.startswith("Le début") and sampled.endswith("English.")
    assert identify.sample("Call 555-0100 or see https://example.org/a today", 200) == \
        "Call or see today"
    assert identify.sample('<a href="/x">Bonjour</a> {name}, à bientôt', 200) == \
        "Bonjour , à bientôt"


# -- names ------------------------------------------------------------------------------------

FACTS = ("Shenzhen Metro Line 16 opened to passengers on 28 December 2022.",
         "The line links Longgang and Pingshan in under an hour.", "Li Wei",
         "spokesperson of Shenzhen Metro", "Müller Bau built the Dongguan depot.")


def test_the_issue_example_is_a_misspelt_name():
    [problem] = names.check(view("Shenzel Metro Line 16 opens to the public.", inputs=FACTS))
    assert (problem.field, problem.code) == ("f[0]", "misspelt_name")
    assert "'Shenzel'" in problem.message and "'Shenzhen'" in problem.message


def test_misspellings_are_found_in_any_position_once_per_field():
    text = "Trains from Pinshan reach Longang fast. Pinshan residents cheered."
    problems = names.check(view(text, inputs=FACTS))
    assert [p.message.split(" where")[0] for p in problems] == ["spells 'Pinshan'",
                                                                 "spells 'Longang'"]


@pytest.mark.parametrize("text", [
    "Shenzhen's new line opened.", "Both Shenzhens are real.", "Shenzhen-based riders cheer.",
    "SHENZHEN METRO opens Line 16.", "Muller Bau built it.",
    "The Longgang line opened on 28 December.", "Dongguaner commuters are happy.",
])
def test_inflections_case_and_diacritics_are_the_same_name(text: str):
    assert names.check(view(text, inputs=FACTS)) == []


def test_an_inflecting_language_has_two_letters_of_leeway():
    facts = ("Поезда ходят из Москва в Тверь.",)
    assert names.check(view("Жители Москвы рады.", asked="ru", inputs=facts)) == []
    assert found(names.check(view("Жители Масква рады.", asked="ru", inputs=facts))) == [
        ("f[0]", "misspelt_name")]


def test_common_words_near_a_name_are_not_names():
    facts = ("Mark Owen opened the store.", "Visit the Line Gallery.", "Then came Theo.")
    text = "Marks and Lines. Open daily. Then the store opened. Even so, Theo smiled."
    assert names.check(view(text, inputs=facts, prompt="then open the marks even")) == []
    # A capitalised word of the input that it also writes in lower case is not a name.
    assert names.check(view("Lime trees grow.", inputs=("Line 16 runs.", "one line"))) == []


def test_short_names_allow_one_edit_and_the_first_letter_must_match():
    facts = ("Jane Doe met Anna Berg in Kanada.",)
    assert found(names.check(view("Anne Berg spoke.", inputs=facts))) == []  # ending: inflection
    assert found(names.check(view("Jana Bwrg spoke.", inputs=facts))) == [
        ("f[0]", "misspelt_name")]
    assert names.check(view("Canada is large.", inputs=facts)) == []  # another initial


def test_german_nouns_are_capitalised_so_only_long_names_are_checked():
    facts = ("Anna Berg leitet das Werk in Dongguan.",)
    assert names.check(view("Die Burg steht in Dongguan.", asked="de", inputs=facts)) == []
    assert found(names.check(view("Die Burg steht in Donguan.", asked="de", inputs=facts))) == [
        ("f[0]", "misspelt_name")]


def test_allowed_names_are_never_misspellings():
    facts = ("The summit opens in Brussels on Monday.",)
    text = "La cumbre se abre en Bruselas el lunes."
    assert found(names.check(view(text, asked="es", inputs=facts))) == [("f[0]", "misspelt_name")]
    allowed = {"names": {"allowed_names": ["Bruselas"]}}
    assert names.check(view(text, asked="es", inputs=facts, settings=allowed)) == []


def test_caseless_scripts_are_not_checked():
    assert names.check(view("深圳地铁16号线开通了。", inputs=("深圳地铁16号线开通",))) == []


def test_only_input_names_flags_names_the_input_does_not_give():
    settings = {"names": {"only_input_names": True, "allowed_names": ["Metro Daily"]}}
    text = ("Shenzhen Metro Line 16 opened, Li Wei told Metro Daily. Riders in Beijing "
            "watched. Trains run hourly.")
    problems = names.check(view(text, inputs=FACTS, settings=settings))
    assert [p.message.split(",")[0] for p in problems] == ["names 'Beijing'"]
    assert all(p.code == "unknown_name" for p in problems)
    # A title-case headline says nothing about names; off by default.
    headline = "Beijing Riders Watch New Line Open"
    assert names.check(view(headline, inputs=FACTS, settings=settings)) == []
    assert names.check(view(text, inputs=FACTS)) == []


@pytest.mark.parametrize(("name", "invented"), [
    ("language_names_news_article_solar_zh", "'Illinois'"),
    ("language_names_news_article_metro_en", "'South China Sea'"),
])
def test_only_input_names_on_real_outputs(name: str, invented: str):
    _, seen = real(name, names={"only_input_names": True})
    unknown = [p.message for p in names.check(seen) if p.code == "unknown_name"]
    assert unknown and all(m.startswith(f"names {invented}, which") for m in unknown)
