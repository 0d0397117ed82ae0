"""The ads plugin: presets, every validator (passing and failing inputs), the per-input schema,
finalize, the text export, the engine pipeline with a scripted model, and one end-to-end job on
the embedded model."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from aigc_core import GenerationOptions, InvalidInput, Problem
from aigc_core.testing import ScriptedBackend, scripted
from aigc_plugins.ads.adcopy import COPY, VALIDATORS
from aigc_plugins.ads.banned import check_banned_terms
from aigc_plugins.ads.compliance import check_compliance
from aigc_plugins.ads.compliance_terms import JURISDICTIONS
from aigc_plugins.ads.editorial import check_editorial
from aigc_plugins.ads.export_text import export_text
from aigc_plugins.ads.figures import check_figures
from aigc_plugins.ads.finalize import finalize
from aigc_plugins.ads.limits import check_counts, check_lengths, check_paths
from aigc_plugins.ads.models import AdCopy, AdCopyInput
from aigc_plugins.ads.presets import PRESETS, PlatformName
from aigc_plugins.ads.product_name import check_product_name
from aigc_plugins.ads.relevance import check_relevance
from aigc_plugins.ads.schema import copy_schema
from aigc_plugins.ads.uniqueness import check_unique

HEADLINES = ["Trail shoes for runners", "Light and grippy soles", "Save 20% this week"]
DESCRIPTIONS = ["Run farther on light shoes with grippy soles.",
                "Order today and get 20% off your first pair."]


def data(**fields: Any) -> AdCopyInput:
    """An input; one variant, so Google wants its minimum: 3 headlines, 2 descriptions."""
    return AdCopyInput(**{"product": "Trailblazer", "offer": "20% off this week", "variants": 1,
                          **fields})


def ad(**fields: Any) -> AdCopy:
    """An answer, built without the output model's bounds: validators must hold on any
    answer they are given."""
    return AdCopy.model_construct(**{"headlines": HEADLINES, "descriptions": DESCRIPTIONS,
                                     "primary_texts": [], "path1": "", "path2": "", **fields})


def fields_of(problems: list[Problem]) -> list[str]:
    return [p.field for p in problems]


def all_problems(output: AdCopy, inp: AdCopyInput) -> list[Problem]:
    return [p for validator in VALIDATORS for p in validator(output, inp)]


# -- presets -------------------------------------------------------------------------------


def test_platform_names_are_the_preset_table():
    assert set(get_args(PlatformName)) == set(PRESETS)


@pytest.mark.parametrize(("platform", "field", "variants", "wanted"), [
    ("google", "headlines", 1, 3), ("google", "headlines", 20, 15),
    ("google", "descriptions", 1, 2), ("google", "descriptions", 9, 4),
    ("meta", "primary_texts", 1, 1), ("meta", "headlines", 9, 5),
])
def test_variants_are_raised_or_capped_to_the_platform_range(platform, field, variants, wanted):
    assert PRESETS[platform].limit(field).wanted(variants) == wanted


def test_the_static_output_model_accepts_every_platforms_largest_valid_ad():
    for preset in PRESETS.values():
        biggest = {t.field: [f"{i}" + "x" * (t.max_size - 2) for i in range(t.max_items)]
                   for t in preset.texts}
        paths = {"path1": "p" * preset.path_size, "path2": "q"} if preset.path_size else {}
        copy = AdCopy.model_validate({"headlines": [], "descriptions": [], **biggest, **paths})
        assert check_lengths(copy, data(platform=preset.name)) == []


# -- limits ----------------------------------------------------------------------------------


def test_google_headline_limit_counts_display_width():
    inp = data()
    assert check_lengths(ad(headlines=["x" * 30, *HEADLINES[1:]]), inp) == []
    assert check_lengths(ad(headlines=["跑" * 15, *HEADLINES[1:]]), inp) == []  # width 30
    problems = check_lengths(ad(headlines=["x" * 31, "跑" * 16, HEADLINES[2]]), inp)
    assert fields_of(problems) == ["headlines[0]", "headlines[1]"]
    assert "is 32 in display width" in problems[1].message and "at most 30" in problems[1].message


def test_meta_counts_characters_and_has_its_own_limits():
    inp = data(platform="meta")
    copy = AdCopy(primary_texts=["p" * 125], headlines=["跑" * 40], descriptions=["d" * 30])
    assert check_lengths(copy, inp) == []
    long = ad(primary_texts=["p" * 126], headlines=["h" * 41], descriptions=["d" * 31])
    assert fields_of(check_lengths(long, inp)) == [
        "headlines[0]", "descriptions[0]", "primary_texts[0]"]


def test_texts_that_are_not_words_are_reported_but_display_paths_are_not_judged():
    found = all_problems(ad(headlines=["1.1.1.1", *HEADLINES[1:]], path1="2025"),
                         data(offer="20% off all 2025 models, 1.1.1.1 edition"))
    assert [(p.field, p.code) for p in found] == [("headlines[0]", "not_prose")]


@pytest.mark.parametrize("text", ["Headlines: Trailblazer shoes", "description 2: Run far",
                                  "Path 1: Trailblazer, 202", "Ad: trail shoes on sale"])
def test_texts_that_start_with_a_field_label_are_reported(text):
    # A label's own number ("description 2") is also one the brief lacks: only the label
    # is this test's.
    [problem] = [p for p in all_problems(ad(descriptions=[text, DESCRIPTIONS[1]]), data())
                 if p.code != "ungrounded_number"]
    assert (problem.field, problem.code) == ("descriptions[0]", "label")
    assert "write only the text itself" in problem.message


def test_a_colon_later_in_the_copy_is_no_label():
    assert all_problems(ad(descriptions=["Trail season: 20% off all shoes",
                                         DESCRIPTIONS[1]]), data()) == []


@pytest.mark.parametrize(("text", "number"), [
    ("TrailRunner 5: 50% off today", "50"),             # the offer says 20%
    ("20% off, only until June 30", "30"),              # the offer's date is May 31
    ("Over 10,000 happy runners", "10,000"),            # a claim nobody substantiated
])
def test_a_number_the_brief_lacks_is_an_invented_offer(text, number):
    inp = data(product="TrailRunner 5", offer="20% off until May 31")
    found = all_problems(ad(headlines=[text, *HEADLINES[1:]]), inp)
    assert [(p.field, p.code) for p in found] == [("headlines[0]", "ungrounded_number")]
    assert f"{number!r} is not in the product, offer or benefits given" in found[0].message


def test_an_ad_about_something_else_is_off_topic():
    # The embedded model's answer for TrailRunner 5 (aigc generate ads.copy, 2026-12-06),
    # which succeeded before this check.
    inp = data(product="TrailRunner 5", offer="20% off until May 31",
               benefits=["grippy sole", "light"])
    bangkok = ad(headlines=["Bangkok, Thailand", "Bangkou", "Bangkou: The City of the City"],
                 descriptions=["Bangkok, Thailand", "Bangkou", "Bangkou: The City"])
    [problem] = check_relevance(bangkok, inp)
    assert (problem.field, problem.code) == ("", "off_topic")
    assert "write about 'TrailRunner 5'" in problem.message


@pytest.mark.parametrize("headlines", [
    ["Free returns on every order", "Shop the new season", "Lighter on every trail"],  # light
    ["Free returns on every order", "Shop the new season", "Now 20% off"],             # 20
    ["Retours gratuits", "La nouvelle saison", "TrailRunner 5 : le confort"],           # name
])
def test_an_ad_with_one_word_or_number_of_its_brief_is_about_it(headlines):
    inp = data(product="TrailRunner 5", offer="20% off until May 31",
               benefits=["grippy sole", "light"])
    assert check_relevance(ad(headlines=headlines, descriptions=["Order today.", "Ships fast."]),
                           inp) == []


def test_several_invented_numbers_are_named_in_one_problem():
    [problem] = check_figures(ad(headlines=["Save 50% until June 30", *HEADLINES[1:]],
                                 descriptions=DESCRIPTIONS), data())
    assert problem.message.startswith("'50', '30' are not in the product, offer or benefits")


def test_the_briefs_numbers_pass_as_any_language_writes_them():
    inp = data(product="TrailRunner 5", offer="1,299 kr until 31 May", benefits=["3.5 mm sole"],
               language="sv")
    texts = ["TrailRunner 5 för 1 299 kr", "Sula på 3,5 mm", "Bara till 31 maj"]
    assert check_figures(ad(headlines=texts, descriptions=texts[:2]), inp) == []


def test_finalize_prefers_a_spare_without_an_invented_number():
    inp = data(offer="20% off this week")
    out = finalize(ad(headlines=["Save 50% today", *HEADLINES]), inp)
    assert out.headlines == HEADLINES
    assert all_problems(out, inp) == []


def test_blank_texts_are_reported():
    assert fields_of(check_lengths(ad(headlines=[" ", *HEADLINES[1:]]), data())) == [
        "headlines[0]"]


@pytest.mark.parametrize(("fields", "variants", "bad"), [
    ({"headlines": HEADLINES[:2]}, 1, ["headlines"]),
    ({"headlines": [f"Headline {i}" for i in range(16)]}, 1, ["headlines"]),
    ({"descriptions": DESCRIPTIONS[:1]}, 1, ["descriptions"]),
    ({}, 4, ["headlines", "descriptions"]),  # 4 variants: 4 headlines, 4 descriptions
    ({"primary_texts": ["Meta only"]}, 1, ["primary_texts"]),
    ({}, 1, []),
])
def test_google_counts(fields, variants, bad):
    assert fields_of(check_counts(ad(**fields), data(variants=variants))) == bad


def test_meta_has_no_display_paths_and_google_path2_needs_path1():
    assert check_paths(ad(path1="shoes", path2="trail"), data()) == []
    assert fields_of(check_paths(ad(path2="trail"), data())) == ["path2"]
    meta = ad(primary_texts=["x"], headlines=["y"], descriptions=["z"], path1="shoes")
    assert fields_of(check_paths(meta, data(platform="meta"))) == ["path1"]


def test_display_path_width():
    assert check_lengths(ad(path1="p" * 15), data()) == []
    assert fields_of(check_lengths(ad(path1="跑步鞋跑步鞋跑步鞋"), data())) == ["path1"]


# -- uniqueness, product name, banned terms ---------------------------------------------------


def test_duplicates_differing_only_in_case_and_punctuation_are_rejected():
    assert check_unique(ad(), data()) == []
    problems = check_unique(ad(headlines=["Run fast", "run  fast!", "Run far"]), data())
    assert fields_of(problems) == ["headlines[1]"] and "headlines[0]" in problems[0].message


def test_product_name_required_in_every_headline():
    inp = data(product="Acme Pro-X", product_in_headlines=True)
    named = ["ACME Pro X for trails", "Run light with Acme Pro-X", "acme pro-x: 20% off"]
    assert check_product_name(ad(headlines=named), inp) == []
    problems = check_product_name(ad(headlines=[*named[:2], "Trail shoes on sale"]), inp)
    assert fields_of(problems) == ["headlines[2]"] and "'Acme Pro-X'" in problems[0].message
    assert check_product_name(ad(), data(product="Acme Pro-X")) == []  # not required


def test_a_product_name_longer_than_a_headline_cannot_be_required():
    with pytest.raises(ValidationError, match="cannot be required in headlines"):
        data(product="x" * 31, product_in_headlines=True)
    assert data(product="x" * 35, product_in_headlines=True, platform="meta")


def test_banned_terms_match_whole_words_and_cjk_anywhere():
    inp = data(banned_terms=["cheap", "便宜"])
    assert check_banned_terms(ad(headlines=["Cheaper? No, better", *HEADLINES[1:]]), inp) == []
    problems = check_banned_terms(
        ad(headlines=["ＣＨＥＡＰ trail shoes", "超便宜跑鞋", HEADLINES[2]]), inp)
    assert fields_of(problems) == ["headlines[0]", "headlines[1]"]
    assert "'cheap'" in problems[0].message and "'便宜'" in problems[1].message


# -- compliance ------------------------------------------------------------------------------


def cn_hits(text: str, **fields: Any) -> list[str]:
    """The restricted terms the cn preset reports in one headline."""
    problems = check_compliance(ad(headlines=[text, *HEADLINES[1:]]), data(compliance=["cn"],
                                                                            **fields))
    assert all(p.field == "headlines[0]" and p.code == "compliance_cn" for p in problems)
    return [re.search(r"restricted term '([^']+)'", p.message).group(1) for p in problems]


@pytest.mark.parametrize(("text", "term"), [
    ("最好的跑鞋", "最"), ("行业第一", "第一"), ("国家级品质", "国家级"), ("最高级面料", "最高级"),
    ("最佳选择", "最佳"), ("极品好鞋", "极品"), ("顶级做工", "顶级"), ("跑者首选", "首选"),
    ("独家设计", "独家"), ("全网第一", "全网第一"), ("最新款跑鞋", "最新"), ("NO.1跑鞋", "NO.1"),
    ("頂級做工", "頂級"),
])
def test_cn_absolute_terms_are_reported_once_with_term_and_field(text, term):
    assert cn_hits(text) == [term]


@pytest.mark.parametrize(("text", "fields"), [
    ("最佳拍档跑鞋上市", {"product": "最佳拍档"}),      # inside the product name
    ("第一跑者出品", {"brand": "第一跑者"}),           # inside the brand/trademark
    ("2024年最新款跑鞋", {}),                         # 最新 limited to a stated time
    ("最近很多跑者选择它", {}), ("第一次跑步也轻松", {}),  # temporal, ordinal
    ("最佳饮用温度为8度", {}),                         # a consumer tip
])
def test_cn_exemptions(text, fields):
    assert cn_hits(text, **fields) == []


def test_cn_term_outside_the_exempt_name_is_still_reported():
    assert cn_hits("最佳拍档，最好的搭档", product="最佳拍档") == ["最"]


@pytest.mark.parametrize(("text", "term"), [
    ("The best trail shoe", "best"), ("#1 trail shoe", "#1"),
    ("Number one for runners", "number one"),
    ("Grip guaranteed", "guaranteed"), ("100% effective grip", "100% effective"),
    ("No. 1 in comfort", "no. 1"),
])
def test_us_eu_unsubstantiated_claims(text, term):
    for code in ("us", "eu"):
        problems = check_compliance(ad(descriptions=[text, DESCRIPTIONS[1]]),
                                    data(compliance=[code]))
        assert fields_of(problems) == ["descriptions[0]"]
        assert f"restricted term {term!r}" in problems[0].message
        assert JURISDICTIONS[code].basis in problems[0].message


def test_us_claims_spare_other_words_and_brand_names():
    inp = data(compliance=["us"], brand="Best Buy")
    clean = ad(descriptions=["Bestow comfort on every run, at Best Buy.", "Page 10 of 12."])
    assert check_compliance(clean, inp) == []
    assert check_compliance(ad(headlines=["The best trail shoe", *HEADLINES[1:]]), data()) == []


# -- editorial -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("Fast shoes!!", "repeated_punctuation"), ("Wait?? Run", "repeated_punctuation"),
    ("FR33 shipping", "symbol_for_letter"), ("$ave on shoes", "symbol_for_letter"),
    ("Gre@t grip", "symbol_for_letter"), ("Trail f1owers", "symbol_for_letter"),
    ("Run happy 👟", "emoji"), ("★ Top rated", "emoji"),
])
def test_google_editorial_violations(text, code):
    problems = check_editorial(ad(descriptions=[text, DESCRIPTIONS[1]]), data())
    assert [(p.field, p.code) for p in problems] == [("descriptions[0]", code)]


@pytest.mark.parametrize("text", [
    "B2B running gear", "H2O bottle included", "Open 24/7", "Buy 1, get 1 half off",
    "Acme® trail shoes", "Ends May 31. Order now!", "5 colours, 3 sizes",
])
def test_google_editorial_allows_normal_copy(text):
    assert check_editorial(ad(descriptions=[text, DESCRIPTIONS[1]]), data()) == []


def test_exclamation_marks_are_kept_out_of_google_headlines_only():
    problems = check_editorial(ad(headlines=["Run now!", *HEADLINES[1:]]), data())
    assert [(p.field, p.code) for p in problems] == [("headlines[0]", "headline_exclamation")]
    meta = AdCopy(primary_texts=["Run!!"], headlines=["Run now!"], descriptions=["👟"])
    assert check_editorial(meta, data(platform="meta")) == []


def test_editorial_spares_the_product_name():
    assert check_editorial(ad(headlines=["Fr33dom trail shoes", *HEADLINES[1:]]),
                           data(product="Fr33dom")) == []


# -- schema ----------------------------------------------------------------------------------


def test_schema_has_the_platform_fields_with_exact_counts_and_limits():
    schema = copy_schema(data(variants=4))
    props = schema["properties"]
    assert schema["required"] == ["headlines", "descriptions", "path1", "path2"]
    assert schema["additionalProperties"] is False
    assert (props["headlines"]["minItems"], props["headlines"]["maxItems"]) == (4, 4)
    assert props["headlines"]["items"]["maxLength"] == 30
    assert props["descriptions"]["items"]["maxLength"] == 90
    headline = re.compile(props["headlines"]["items"]["pattern"])
    assert headline.match("x" * 30) and not headline.match("x" * 31)
    assert not headline.match("Run now!") and not headline.match('Say "hi"')
    meta = copy_schema(data(platform="meta", variants=2))["properties"]
    assert list(meta) == ["primary_texts", "headlines", "descriptions"]
    assert re.compile(meta["headlines"]["items"]["pattern"]).match("Run now!")


def test_schema_halves_lengths_for_cjk_copy_where_the_platform_counts_width():
    google = copy_schema(data(language="zh-CN"))["properties"]["headlines"]["items"]
    assert google["maxLength"] == 15
    meta = copy_schema(data(language="zh-CN", platform="meta"))["properties"]["headlines"]
    assert meta["items"]["maxLength"] == 40


def test_schema_starts_headlines_with_a_required_product_name():
    inp = data(product="Acme (Pro)", product_in_headlines=True)
    pattern = re.compile(copy_schema(inp)["properties"]["headlines"]["items"]["pattern"])
    assert pattern.match("Acme (Pro) on sale") and not pattern.match("On sale: Acme (Pro)")
    assert not pattern.match("Acme (Pro)" + "x" * 21)  # 31 in all


# -- finalize --------------------------------------------------------------------------------


def test_finalize_tidies_dedupes_prefers_passing_texts_and_clears_other_fields():
    messy = ad(
        headlines=["  Trail   shoes ", "trail shoes!", "Best grip ever", "Light soles", "Save now"],
        descriptions=DESCRIPTIONS, primary_texts=["Meta only"], path1="", path2="shoes")
    out = finalize(messy, data(compliance=["us"]))
    assert out.headlines == ["Trail shoes", "Light soles", "Save now"]
    assert out.primary_texts == [] and (out.path1, out.path2) == ("shoes", "")
    assert all_problems(out, data(compliance=["us"])) == []


def test_finalize_keeps_failing_texts_when_too_few_pass_so_they_are_reported():
    inp = data(compliance=["us"])
    out = finalize(ad(headlines=["Best shoes", "Trail shoes", "Best grip"]), inp)
    assert out.headlines == ["Trail shoes", "Best shoes", "Best grip"]
    assert fields_of(all_problems(out, inp)) == ["headlines[1]", "headlines[2]"]


def test_finalize_drops_display_paths_that_break_a_rule():
    out = finalize(ad(path1="way-too-long-path", path2="shoes"), data())
    assert (out.path1, out.path2) == ("shoes", "")


# -- export ----------------------------------------------------------------------------------


def test_text_export_lists_fields_and_keeps_the_ai_label_in_place():
    labelled = SimpleNamespace(
        metadata={"ai_label": {"explicit": {"text": "AI-generated", "position": "end"}}})
    text = export_text(ad(path1="shoes", path2="trail"), data(), labelled)
    assert text.startswith("Google Ads responsive search ad: Trailblazer")
    assert "  1. Trail shoes for runners  [23]" in text and "/shoes/trail" in text
    assert text.endswith("\n\nAI-generated")
    assert "AI-generated" not in export_text(ad(), data(), object())


# -- through the engine, scripted model ------------------------------------------------------


def answer(**fields: Any) -> str:
    return json.dumps({"headlines": HEADLINES, "descriptions": DESCRIPTIONS, "path1": "shoes",
                       "path2": "trail", **fields})


def test_engine_sends_the_per_input_schema_and_a_prompt_with_the_limits(make_engine):
    engine = make_engine(COPY)
    scripted([answer()])
    job = engine.make_job("ads.copy", {"product": "Trailblazer", "offer": "20% off",
                                       "variants": 1, "compliance": ["us"],
                                       "banned_terms": ["cheap"]})
    result = engine.run(job)
    assert result.ok, (result.error, result.problems)
    assert result.output["headlines"] == HEADLINES
    request = ScriptedBackend.requests[0]
    assert request.json_schema == copy_schema(engine.validate(job))
    prompt = request.messages[1].content
    assert '"headlines": a list of 3 different texts, each at most 30 characters' in prompt
    assert "Never use these words: cheap." in prompt
    assert "no exclamation marks in headlines" in prompt
    assert "best" not in prompt  # restricted terms are not put into a small model's mouth


def test_engine_repairs_then_fails_listing_every_problem(make_engine):
    engine = make_engine(COPY)
    bad = answer(headlines=["Best shoes", "FR33 shipping", "Best shoes"])
    scripted([bad, bad, bad])
    result = engine.run(engine.make_job("ads.copy", {"product": "Trailblazer",
                                                      "compliance": ["us"]}))
    assert not result.ok and result.error.kind == "validation"
    assert result.provenance.attempts == 3
    codes = {(p.field, p.code) for p in result.problems}
    assert {("headlines", "count"), ("headlines[0]", "compliance_us"),
            ("headlines[1]", "symbol_for_letter")} <= codes
    repair = ScriptedBackend.requests[1].messages[-1].content
    assert "FR33" in repair and "restricted term 'best'" in repair


def test_invalid_input_is_refused_naming_the_field(make_engine):
    engine = make_engine(COPY)
    with pytest.raises(InvalidInput) as info:
        engine.make_job("ads.copy", {"product": "x", "platform": "tiktok", "compliance": ["fr"]})
    assert {p.field for p in info.value.problems} == {"input.platform", "input.compliance[0]"}


# -- end to end, embedded model --------------------------------------------------------------


@pytest.mark.e2e
def test_google_copy_on_the_embedded_model(local_engine):
    job = local_engine.make_job(
        "ads.copy",
        {"product": "Trailblazer shoes", "benefits": ["light", "grippy soles"],
         "offer": "20% off this week", "call_to_action": "Shop now", "variants": 1,
         "compliance": ["us"], "platform": "google"},
        options=GenerationOptions(max_repairs=1),
    )
    result = local_engine.run(job)
    if result.ok:
        inp = local_engine.validate(job)
        output = AdCopy.model_validate(result.output)
        assert all_problems(output, inp) == []
        assert len(output.headlines) == 3 and len(output.descriptions) == 2
        assert output.primary_texts == []
    else:
        assert result.error.kind == "validation" and result.problems, result.error


@pytest.mark.parametrize("platform", get_args(PlatformName))
def test_schemas_are_grammars_llama_cpp_accepts(platform, assert_grammar):
    assert_grammar(copy_schema(data(platform=platform, variants=3, product_in_headlines=True)))
