"""The text gates: repetition, prompt echo and cut-off text.

Fail and pass cases come from real embedded-model answers (``tests/fixtures/gates/text_*.json``,
each saying where it came from) and from issue 13's own examples.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aigc_core.errors import ConfigError
from aigc_core.gates import (
    GateExemption,
    GateSettings,
    GateView,
    ProseField,
    cutoff,
    echo,
    repetition,
    run_gates,
)

FIXTURES = sorted((Path(__file__).parents[1] / "fixtures" / "gates").glob("text_*.json"))
GATES = (repetition, echo, cutoff)

#: The README demo's rendered prompt (examples/news_article.json), where the issue's echo came from.
ARTICLE_PROMPT = """\
You are a careful news editor. You write clear, accurate copy using only the material you are \
given: never add a number, date, name or quotation that is not in it. Reply with one JSON object \
only.
Write a news article from these facts only.

Facts:
- Springfield Council opened the Riverside solar farm on 3 March 2025.
- homes the farm can power: 1200 homes
- share of the town's electricity it supplies: 12%
- cost of the project: 4.5 million euros
- Jane Doe, mayor of Springfield, said: "This farm will cut our energy bills and our emissions."

Sources:
- Springfield Council: Riverside solar farm opens (2025-03-03)

Angle: what the new solar farm means for households in Springfield
Audience: local residents. Tone: neutral. Language: en.
Length: about 120 words for the lede and body together.

- "headline": states the news in a few words.
- "lede": one sentence with the most important fact.
- "body": paragraphs, most important information first.
- "summary": one sentence.
Use only the numbers, dates, names and quotations in the facts; quote only their exact words."""
ARTICLE_INPUT = [
    "what the new solar farm means for households in Springfield", "local residents", "neutral",
    "en", "statement", "Springfield Council opened the Riverside solar farm on 3 March 2025.",
    "figure", "homes the farm can power", " homes", "figure",
    "share of the town's electricity it supplies", "%", "figure", "cost of the project",
    " million euros", "quote", "This farm will cut our energy bills and our emissions.",
    "Jane Doe", "mayor of Springfield", "source", "Springfield Council",
    "https://springfield.example/news/riverside-solar", "Riverside solar farm opens", "2025-03-03",
]


def view(*fields: tuple[str, str], prompt: str = "", inputs: list[str] | None = None,
         language: str | None = "en", data: Any = None, **settings: Any) -> GateView:
    return GateView(fields=[ProseField(path, text) for path, text in fields], prompt=prompt,
                    input_texts=inputs or [], language=language,
                    settings=GateSettings(**settings), data=data)


def flagged(gate: Any, seen: GateView) -> list[str]:
    problems = gate.check(seen)
    assert all(problem.code == gate.NAME for problem in problems)
    return [problem.field for problem in problems]


# -- real embedded-model answers ------------------------------------------------------------
@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
def test_real_answers_are_flagged_as_reviewed(path: Path):
    case = json.loads(path.read_text())
    seen = GateView(fields=[ProseField(*field) for field in case["fields"]],
                    prompt=case["prompt"], input_texts=case["input_texts"],
                    language=case["language"], settings=GateSettings(), data=case["data"])
    found = [[problem.field, problem.code] for gate in GATES for problem in gate.check(seen)]
    assert found == case["expected"]


# -- repetition ----------------------------------------------------------------------------
def test_a_looped_phrase_and_a_looped_sentence_are_repetition():
    problems = repetition.check(view(
        ("body[0]", "Use only the numbers in the facts; quote only their exact words; quote "
                    "only their exact words; quote only their exact words."),
        ("body[1]", "The farm opened in March. It powers 1,200 homes. The farm opened in March."),
    ))
    assert [p.field for p in problems] == ["body[0]", "body[1]"]
    assert "loops: 'quote only their exact words; quote onl…'" in problems[0].message
    assert "repeats the sentence 'The farm opened in March'" in problems[1].message


def test_a_paragraph_written_again_and_a_run_shared_by_two_paragraphs_are_repetition():
    again = "The council says the farm will power 1,200 homes from next spring."
    fields = [("lede", "The Riverside solar farm opened on 3 March 2025."), ("body[0]", again),
              ("body[1]", again), ("body[2]", "Residents said that the council says the farm "
                                              "will power 1,200 homes, and more.")]
    assert flagged(repetition, view(*fields)) == ["body[1]", "body[2]"]


def test_runs_from_the_input_may_be_shared_by_variants():
    topic = "The city of Lyon adds 40 km of protected bike lanes to cut traffic"
    fields = [("headlines[0]", "Lyon adds 40 km of protected bike lanes to cut traffic"),
              ("headlines[1]", "Lyon adds 40 km of protected bike lanes to cut traffic fast")]
    assert flagged(repetition, view(*fields, inputs=[topic])) == []
    assert flagged(repetition, view(*fields)) == ["headlines[1]"]


@pytest.mark.parametrize("fields", [
    # A field copied whole under another name: the generator's choice, not a loop.
    [("headline", "Springfield opens its solar farm"),
     ("lede", "Springfield opens its solar farm."),
     ("summary", "Springfield opens its solar farm. It can power 1,200 homes."),
     ("seo.meta_description", "Springfield opens its solar farm. It can power")],
    # Short sentences and names repeat in good copy.
    [("descriptions[0]", "Roasted every week. Order now."),
     ("descriptions[1]", "Fair trade beans from Morning Ridge. Order now.")],
    [("body[0]", "Jane Doe, mayor of Springfield, opened the farm. Jane Doe, mayor of "
                 "Springfield, thanked the workers.")],
    [("verse", "New York, New York: so good they named it twice. Ha ha ha!")],
    [("text", "深圳地铁16号线今天开通。深圳地铁16号线连接龙岗和坪山。")],
], ids=["copied-fields", "short-sentences", "name-and-title", "short-loops", "chinese-name"])
def test_legitimate_copy_is_not_repetition(fields):
    assert flagged(repetition, view(*fields)) == []


def test_repetition_thresholds_are_settings():
    looped = [("body[0]", "It opened today. Crowds came. It opened today. It rained. It opened "
                          "today.")]
    assert flagged(repetition, view(*looped, repetition={"sentence_min_words": 3})) == ["body[0]"]
    allowed = {"sentence_min_words": 3, "max_sentence_repeats": 2}
    assert flagged(repetition, view(*looped, repetition=allowed)) == []
    run = [("body[0]", "Buy the beans, grind the beans, brew the beans, buy the beans again")]
    assert flagged(repetition, view(*run)) == []
    assert flagged(repetition, view(*run, repetition={"run_words": 3})) == ["body[0]"]
    with pytest.raises(ConfigError, match="unknown setting"):
        repetition.check(view(*run, repetition={"run_length": 3}))


# -- prompt echo ---------------------------------------------------------------------------
def test_the_issues_article_body_echoes_the_prompt():
    body = ("Tone: neutral. Language: en. Use only the numbers, dates, names and quotations in "
            "the facts; quote only their exact words; quote only their exact words.")
    problems = echo.check(view(("body[0]", body), prompt=ARTICLE_PROMPT, inputs=ARTICLE_INPUT))
    assert [p.field for p in problems] == ["body[0]"]
    assert "copies the instructions: 'Use only the numbers, dates, names and …'" in \
        problems[0].message


@pytest.mark.parametrize("text", [
    "Tone: neutral. The farm opened on 3 March 2025.",
    "The farm opened on 3 March 2025.\nFacts: it powers 1,200 homes.",
    "Lede: The Riverside solar farm opened on 3 March 2025.",  # a quoted output field's name
])
def test_a_prompt_label_at_a_line_or_sentence_start_is_echo(text):
    problems = echo.check(view(("body[0]", text), prompt=ARTICLE_PROMPT, inputs=ARTICLE_INPUT))
    assert [p.field for p in problems] == ["body[0]"]
    assert "label" in problems[0].message


@pytest.mark.parametrize("text", [
    # The input's own words, however long: facts, quotes, the angle.
    "Springfield Council opened the Riverside solar farm on 3 March 2025. Jane Doe, mayor of "
    "Springfield, said: \"This farm will cut our energy bills and our emissions.\"",
    "What the new solar farm means for households in Springfield: lower bills.",
    # Five words of the instructions are shared by chance; a label mid-sentence is prose.
    "Households will use only the numbers on their bills, said the council.",
    "Residents asked about the tone: neutral, said the council.",
])
def test_the_inputs_words_and_chance_overlaps_are_not_echo(text):
    assert flagged(echo, view(("body[0]", text), prompt=ARTICLE_PROMPT,
                              inputs=ARTICLE_INPUT)) == []


def test_the_inputs_defaults_count_as_input():
    """A value the job left to its default is rendered into the prompt too."""
    prompt = "Write a tagline.\nAudience: busy parents who cook every single night"
    text = "For busy parents who cook every single night: dinner in ten minutes."
    assert flagged(echo, view(("taglines[0]", text), prompt=prompt)) == ["taglines[0]"]
    data = {"product": "a rice cooker", "audience": "busy parents who cook every single night"}
    assert flagged(echo, view(("taglines[0]", text), prompt=prompt, data=data)) == []


def test_echo_settings():
    text = "Offer: 10% off the first order for home baristas."
    prompt = "Write an ad.\nOffer: 10% off the first order\nKeep every text short and concrete."
    inputs = ["10% off the first order"]
    assert flagged(echo, view(("descriptions[0]", text), prompt=prompt, inputs=inputs)) == [
        "descriptions[0]"]
    off = {"labels": False}
    assert flagged(echo, view(("descriptions[0]", text), prompt=prompt, inputs=inputs,
                              prompt_echo=off)) == []
    copied = "Keep every text short, they say."
    assert flagged(echo, view(("d", copied), prompt=prompt)) == []
    assert flagged(echo, view(("d", copied), prompt=prompt,
                              prompt_echo={"run_words": 4})) == ["d"]


# -- cut-off text --------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "language"), [
    ("The city of Lyon adds 40 km of bike lanes to cut traffic and reduce", "en"),  # the issue's
    ("Springfield Council approves plan for the", "en"),
    ("Springfield opens its solar farm,", "en"),
    ("Solar power for 1,200 homes -", "en"),
    ("The farm opened on 3 March. It powers 1,200 homes and supplies 12% of the town's", "en"),
    ("The farm was funded by a government-backed initiative that will .", "en"),
    ("La granja solar abre en Springfield con", "es"),
    ("Der Solarpark versorgt 1.200 Haushalte und", "de"),
    ("深圳地铁16号线今天开通，", "zh"),
], ids=["and-reduce", "article", "comma", "hyphen", "unended-paragraph", "spaced-stop",
        "es-preposition", "de-conjunction", "zh-comma"])
def test_cut_off_text(text, language):
    problems = cutoff.check(view(("headline", text), language=language))
    assert [p.field for p in problems] == ["headline"], text
    assert "cut off" in problems[0].message or "mid-sentence" in problems[0].message


@pytest.mark.parametrize(("text", "language"), [
    ("Lyon adds 40 km of protected bike lanes", "en"),             # a headline needs no stop
    ("Fresh beans, roasted every week. Order now", "en"),          # short copy needs no stop
    ("Sign up", "en"),
    ("Know where your coffee comes from", "en"),
    ("It opened on 3 March and powers 1,200 homes; \"a good day,\" she said.", "en"),
    ("Book a table today 🚀", "en"),
    ("- scissors\n- glue\n- coloured paper", "en"),
    ("Profitez-en", "fr"),
    ("Compre-o hoje", "pt"),
    ("Τι είναι ένα ηφαίστειο;", "el"),                             # Greek's question mark
    ("深圳地铁16号线今天开通 它连接龙岗和坪山 这是第一次", "zh"),  # not judged
], ids=["headline", "ad", "particle", "stranded", "quote", "emoji", "list", "fr-enclitic",
        "pt-enclitic", "greek", "chinese"])
def test_complete_text_is_not_cut_off(text, language):
    assert flagged(cutoff, view(("headline", text), language=language)) == []


def test_cut_off_min_words_is_a_setting():
    text = "It opened on 3 March. It powers homes. Residents welcome it"
    assert flagged(cutoff, view(("body[0]", text))) == []
    assert flagged(cutoff, view(("body[0]", text), cut_off={"min_words": 8})) == ["body[0]"]


# -- the framework -------------------------------------------------------------------------
def test_each_gate_is_exempted_by_field_and_turned_off_by_name():
    fields = [("chorus", "Sing it again, sing it again, sing it again, sing it again."),
              ("verse", "We walked along the river and")]

    def codes(*exemptions: GateExemption, off: tuple[str, ...] = ()) -> list[str]:
        found = run_gates(view(*fields, off=list(off)), exemptions)
        return [p.code for p in found if p.code in ("repetition", "prompt_echo", "cut_off")]

    assert codes() == ["repetition", "cut_off"]
    assert codes(GateExemption("repetition", "chorus", "a refrain repeats by design")) == [
        "cut_off"]
    assert codes(off=("repetition", "cut_off")) == []


def test_an_input_value_with_only_instruction_words_around_it_is_a_splice():
    prompt = ("Write 2 different headlines for this news story.\n\nStory: a night tram for "
              "Northgate\n\nEach headline: at most 60 characters, neutral tone, language en.")
    inputs = ["a night tram for Northgate", "neutral", "en"]

    def seen(text: str) -> list[str]:
        return flagged(echo, view(("headlines[0]", text), prompt=prompt, inputs=inputs))

    assert seen("At most A night tram for Northgate") == ["headlines[0]"]
    assert seen("A night tram for Northgate, different tone") == ["headlines[0]"]
    # The value alone, one word around it, or words of its own: a headline.
    assert seen("A night tram for Northgate") == []
    assert seen("News: a night tram for Northgate") == []
    assert seen("Northgate gets a night tram for Northgate's late shifts") == []
    assert seen("Finally, a night tram for Northgate") == []
