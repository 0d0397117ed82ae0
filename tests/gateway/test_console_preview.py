"""How the console shows an output: chosen by its shape, with each field's limit taken from
the generator's output schema for the job (the ads plugin's, for a real one)."""

from __future__ import annotations

from aigc_core import Engine
from aigc_gateway.console.preview import Run, limits, marked, preview, width


def test_a_translation_is_side_by_side_with_placeholders_and_terms_marked():
    shown = preview("translation.translate",
                    {"text": {"cta": "Buy {count} tickets", "menu": {"home": "Home"}},
                     "glossary": {"tickets": "Tickets"}},
                    {"translation": {"cta": "Kaufen Sie {count} Tickets",
                                     "menu": {"home": "Start"}}}, None)
    assert shown.kind == "translation"
    assert [row.path for row in shown.rows] == ["cta", "menu.home"]
    assert shown.rows[0].source == [Run("Buy "), Run("{count}", "placeholder"), Run(" "),
                                    Run("tickets", "term")]
    assert Run("Tickets", "term") in shown.rows[0].target


def test_articles_and_quizzes_are_recognised_by_their_shape():
    article = {"headline": "Night trams return", "lede": "From Monday.", "body": ["One."],
               "summary": "Trams.", "seo": {"title": "Night trams"}}
    assert preview("news.article", {}, article, None).kind == "article"
    quiz = {"questions": [{"type": "true_false", "question": "Q?", "answer": True}]}
    assert preview("education.quiz", {}, quiz, None).kind == "quiz"
    assert preview("x.y", {}, {"a": 1}, None).kind == "fields"
    assert preview("x.y", {}, None, "One.\n\nTwo.").paragraphs == ["One.", "Two."]


def test_field_limits_come_from_the_jobs_output_schema(local_engine: Engine):
    job = local_engine.make_job("ads.copy", {"product": "Oat milk", "platform": "google",
                                             "audience": "baristas"})
    registered = local_engine.generator("ads.copy")
    schema = registered.generator.json_schema(local_engine.validate(job))
    found = limits(schema)
    assert found["headlines[]"] == 30 and found["descriptions[]"] == 90


def test_width_counts_wide_characters_twice():
    assert width("abc") == 3 and width("东京") == 4
    assert marked("no marks", []) == [Run("no marks")]
