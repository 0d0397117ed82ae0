"""Numbers in context (``context.py``, code ``number_out_of_context``): real embedded-model outputs
kept as fixtures, and the uses of a number a good article must be allowed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aigc_core import Generator
from aigc_plugins.news import article, headlines, summary
from aigc_plugins.news.facts import evidence
from aigc_plugins.news.grounding import Evidence, check

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "gates"
REAL = sorted(FIXTURES.glob("numbers_in_context_*.json"))
GENERATORS: dict[str, Generator] = {
    g.name: g for g in (article.GENERATOR, headlines.GENERATOR, summary.GENERATOR)}
CODE = "number_out_of_context"


@pytest.fixture(scope="module")
def facts() -> Evidence:
    """The README demo's facts: examples/news_article.json."""
    data = article.ArticleInput.model_validate_json(
        (ROOT / "examples" / "news_article.json").read_text())
    return evidence(data.facts)


# -- real outputs of the embedded model ----------------------------------------------------------
@pytest.mark.parametrize("path", REAL, ids=[path.stem for path in REAL])
def test_real_outputs(path):
    """Each fixture is an output of the embedded model (``origin`` says which run); ``expected``
    lists the fields where a number is out of context, as [field, code] pairs."""
    case = json.loads(path.read_text())
    generator = GENERATORS[case["generator"]]
    data = generator.input_model.model_validate(case["input"])
    output = generator.output_model.model_validate(case["output"])
    problems = [p for check_ in generator.validators for p in check_(output, data)
                if p.code == CODE]
    assert sorted({(p.field, p.code) for p in problems}) == sorted(map(tuple, case["expected"]))


def test_there_are_real_fixtures_of_both_kinds():
    expected = [json.loads(path.read_text())["expected"] for path in REAL]
    assert any(expected) and not all(expected)


# -- rules ------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "The farm can power 1,200 homes.",
    "About 1,200 households can now be powered by the farm.",   # a label word: "power"
    "Homes powered: 1,200.",
    "The new farm supplies 12% of the town's electricity.",
    "It will provide 12% of Springfield's electricity.",
    "The farm meets 12 percent of the town's electricity needs.",
    "The project cost 4.5 million euros.",
    "The 4.5 million euro project opened on 3 March.",          # a date's day in its date
    "At a cost of €4.5m, the farm can power 1,200 homes and supply 12% of the town's "
    "electricity.",                                             # each number its own words
    "The Riverside solar farm, which cost 4.5 million euros, opened in 2025.",  # a year
    "In 2025 the council opened a farm that can power 1200 homes.",
])
def test_numbers_used_for_what_they_count_pass(text, facts):
    assert check("body[0]", text, facts) == []


@pytest.mark.parametrize(("text", "said"), [
    ("The farm will cut bills by 12%.", "share of the town's electricity"),
    ("It employs 1,200 people.", "homes the farm can power"),
    ("The farm has 12 homes.", "share of the town's electricity"),   # another number's unit
    ("Residents will save 4.5 million euros a year.", "cost of the project"),  # euros alone
    ("The project will be a significant, 1200.", "homes the farm can power"),
    ("Work will last 3 years.", "only as part of a date"),
])
def test_numbers_used_for_something_else_fail(text, said, facts):
    problems = check("body[0]", text, facts)
    assert [p.code for p in problems] == [CODE]
    assert said in problems[0].message and problems[0].field == "body[0]"


def test_digits_of_the_facts_run_together_are_a_bad_date_and_a_bare_number(facts):
    # Real output (docs/generators/news.md): was reported as the date only.
    assert [p.code for p in check("summary", "The 2025-12-3-12:.", facts)] == [
        "ungrounded_date", CODE]


def test_a_number_near_another_numbers_words_is_not_vouched_for_by_them(facts):
    # "homes" belongs to 1,200: it says nothing about the 12% after it.
    problems = check("summary", "It can power 1,200 homes and cut energy bills by 12%.", facts)
    assert [p.message.split(" is ")[0] for p in problems] == ["the number '12%'"]


def test_a_number_the_input_gives_without_words_may_be_used_anywhere():
    topic = Evidence.of(["Sales rose 1,200 units (12%) in 2024."], "the topic")
    assert check("headlines[0]", "Sales up 12% as 1200 units sold in 2024", topic) == []
    assert [p.code for p in check("headlines[0]", "Shop hires 1200 staff", topic)] == [CODE]


def test_a_statement_gives_its_numbers_the_words_around_them():
    text = Evidence.of(["About 40 local workers were employed during the build. The council "
                        "says a second phase could double the farm's output by 2028."],
                       "the text")
    assert check("points[0]", "The build employed 40 workers.", text) == []
    assert check("points[0]", "A second phase is planned for 2028.", text) == []
    assert [p.code for p in check("points[0]", "The farm has 40 panels.", text)] == [CODE]
