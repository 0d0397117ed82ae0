"""``aigc_core.evaluation`` through its Python API, on the scripted model: datasets, the
dataset's own assertions, the report's numbers and structure, the HTML page, compare."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aigc_core import GenerationOptions, Generator, Problem
from aigc_core.backends.base import CompletionRequest
from aigc_core.errors import InvalidBatch
from aigc_core.evaluation import (
    Assertion,
    Eval,
    InlineRunner,
    Report,
    below,
    check,
    compare,
    evaluate,
    read_dataset,
    spread,
    variants,
    write,
)
from aigc_core.evaluation.html import render_html
from aigc_core.evaluation.stats import percentile, wilson
from aigc_core.testing import ScriptedBackend, scripted, scripted_engine


class Name(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=40)


def greets_by_name(output: str, data: Name) -> list[Problem]:
    if data.name not in output:
        return [Problem(field="", code="missing_name", message=f"must name {data.name!r}")]
    return []


GREETING = Generator(
    name="t.greet", description="A greeting.", input_model=Name, prompt="t/greet.j2",
    template_sources={"t/greet.j2": "Greet {{ name }}."}, validators=(greets_by_name,),
    options=GenerationOptions(max_repairs=0))


def answer(request: CompletionRequest) -> str:
    """Greets whoever the prompt names, except Bo: a deterministic model with one failure."""
    name = request.messages[-1].content.removeprefix("Greet ").rstrip(".")
    return "Hi there, friend." if name == "Bo" else f"Hello, {name}! Good to see you."


def write_dataset(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                    encoding="utf-8")
    return path


DATASET = [
    {"id": "ada", "input": {"name": "Ada"},
     "assert": [{"contains": "Ada"}, {"max_width": 10}]},
    {"name": "Bo"},
    {"id": "lei", "input": {"name": "李雷"}, "assert": [{"regex": "^Hello"}]},
]


@pytest.fixture
def engine():
    made = scripted_engine(GREETING)
    scripted([answer] * 50)
    yield made
    ScriptedBackend.script = []


@pytest.fixture
def report(engine, tmp_path) -> Report:
    path = write_dataset(tmp_path / "greetings.jsonl", DATASET)
    cases = read_dataset(path, "t.greet", engine.validate)
    spec = Eval("t.greet", path, cases, variants(["default"], [None]), repeat=2)
    return evaluate(spec, InlineRunner(engine), progress=lambda n: None)


# -- assertions ----------------------------------------------------------------------------
OUTPUT = {"headlines": ["Tides rise on the coast", "潮汐上涨"], "body": "Sea walls hold.",
          "translation": '{"title": "Panier", "cta": "Payer"}'}


@pytest.mark.parametrize(("rule", "passed", "message"), [
    ({"contains": "Tides"}, True, ""),
    ({"contains": ["Tides", "storm"]}, False, "lacks 'storm'"),
    ({"contains": "tides", "ignore_case": True}, True, ""),
    ({"not_contains": "walls"}, False, "has 'walls'"),
    ({"not_contains": ["storm", "Tone:"]}, True, ""),
    ({"regex": "^[A-Z]", "field": "body"}, True, ""),
    ({"regex": "^Sea", "field": "headlines[*]"}, False,
     "headlines[0]: does not match /^Sea/; headlines[1]: does not match /^Sea/"),
    ({"max_width": 8, "field": "headlines[1]"}, True, ""),  # four CJK characters: 8 columns
    ({"max_width": 7, "field": "headlines[1]"}, False,
     "headlines[1]: is 8 columns wide; at most 7"),
    ({"language": "en", "field": "headlines[0]"}, True, ""),  # too short to judge: passes
    ({"language": "de", "field": "body"}, True, ""),
    ({"json_keys": ["title", "cta"], "field": "translation"}, True, ""),
    ({"json_keys": ["title", "help"], "field": "translation"}, False,
     "translation: has no key 'help'"),
    ({"json_keys": ["x"], "field": "body"}, False, "body: is not JSON"),
    ({"contains": "x", "field": "seo.title"}, False, "the output has no field 'seo'"),
    ({"contains": "x", "field": "headlines[5]"}, False, "headlines has no item [5]"),
])
def test_each_assertion_kind_passes_and_fails_with_a_reason(rule, passed, message):
    outcome = check(Assertion.model_validate(rule), OUTPUT)
    assert (outcome.passed, outcome.message) == (passed, message)
    assert outcome.kind == next(k for k in rule if k not in ("field", "ignore_case"))


def test_language_is_judged_on_long_enough_text():
    german = "Der Stadtrat hat am Mittwoch beschlossen, neue Radwege in der Stadt zu bauen."
    assert check(Assertion(language="de"), german).passed
    outcome = check(Assertion(language="es"), german)
    assert not outcome.passed and outcome.message == "reads as 'de', not 'es'"
    chinese = "深圳地铁十六号线二期工程于本周六正式开通运营，连接龙岗区和坪山区"
    assert check(Assertion(language="zh-CN"), chinese).passed
    assert check(Assertion(language="ja"), chinese).message == "reads as 'zh', not 'ja'"


@pytest.mark.parametrize("rule", [
    {}, {"contains": "a", "regex": "b"}, {"regex": "("}, {"max_width": 0},
    {"contains": "a", "field": "a..b"}, {"language": "not a tag"}, {"contain": "a"},
])
def test_a_malformed_assertion_is_refused(rule):
    with pytest.raises(ValidationError):
        Assertion.model_validate(rule)


# -- datasets ------------------------------------------------------------------------------
def test_a_dataset_takes_bare_inputs_and_cases(engine, tmp_path):
    cases = read_dataset(write_dataset(tmp_path / "d.jsonl", DATASET), "t.greet",
                         engine.validate)
    assert [(c.id, c.line, c.input) for c in cases] == [
        ("ada", 1, {"name": "Ada"}), ("line-2", 2, {"name": "Bo"}), ("lei", 3, {"name": "李雷"})]
    assert [a.kind for a in cases[0].assertions] == ["contains", "max_width"]


def test_every_bad_line_is_named_before_anything_runs(engine, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "input": {"name": "Ada"}}\nnot json\n{"name": ""}\n'
                    '{"id": "x", "input": {"name": "A"}, "assert": [{"regex": "("}]}\n'
                    '{"id": "x", "input": {"name": "B"}}\n', encoding="utf-8")
    with pytest.raises(InvalidBatch) as raised:
        read_dataset(path, "t.greet", engine.validate)
    fields = [p.field for p in raised.value.problems]
    assert fields[0] == "line 2" and "line 3: input.name" in fields
    assert any(f.startswith("line 4: assert") for f in fields) and "line 5: id" in fields
    assert "'x' is the id of line 1" in str(raised.value)


def test_spread_keeps_the_first_and_last_case():
    assert spread(list(range(26)), 4) == [0, 8, 17, 25]
    assert spread(list(range(3)), 5) == [0, 1, 2] and spread(list(range(9)), 1) == [0]


# -- the report ----------------------------------------------------------------------------
def test_stats():
    low, high = wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    assert wilson(0, 5)[0] == 0.0 and wilson(5, 5)[1] == 1.0 and wilson(0, 0) == (0.0, 1.0)
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.5 and percentile([], 95) is None
    # Linear between ranks, as numpy's default: rank 18.05 of 10, 20, ..., 200.
    assert percentile([10.0 * i for i in range(1, 21)], 95) == pytest.approx(190.5)


def test_the_report_counts_every_run_per_variant(report):
    [summary] = report.variants
    assert (summary.runs, summary.succeeded.passed, summary.accepted.passed) == (6, 4, 2)
    assert summary.succeeded.rate == pytest.approx(4 / 6)
    assert (summary.succeeded.low, summary.succeeded.high) == pytest.approx(wilson(4, 6))
    # Ada's max_width fails (its greeting is wider than 10 columns); the regex holds for Lei.
    assert summary.assertions_by_kind["max_width"].passed == 0
    assert summary.assertions_by_kind["regex"].passed == 2
    assert summary.failures.by_code == {"missing_name": 2}
    assert summary.failures.by_error_kind == {"validation": 2}
    assert summary.failures.by_field == {"(whole output)": 2}
    assert summary.attempts.histogram == {"1": 6}
    assert summary.tokens.prompt == 60 and summary.latency_ms.p95 is not None
    assert [c.id for c in report.cases] == ["ada", "line-2", "lei"]
    bo = report.cases[1].runs[0]
    assert bo.status == "failed" and bo.assertions == [] and bo.output == "Hi there, friend."


def test_repeats_are_distinct_samples(report):
    seeds = [request.options.seed for request in ScriptedBackend.requests]
    assert seeds[:2] == [0, 1] and [r.repeat for r in report.cases[0].runs] == [0, 1]


def test_the_report_is_written_as_json_and_a_page_without_urls(report, tmp_path):
    json_path, html_path = write(report, tmp_path / "out")
    read = Report.read(json_path)
    assert read == report
    raw = json.loads(json_path.read_text(encoding="utf-8"))
    assert set(raw) == {"schema_version", "meta", "variants", "cases"}
    assert {"generator", "dataset", "dataset_sha256", "mode", "repeat", "run_id", "started_at",
            "finished_at"} <= set(raw["meta"])
    assert {"succeeded", "accepted", "assertions", "failures", "attempts", "tokens",
            "latency_ms"} <= set(raw["variants"][0])
    assert set(raw["variants"][0]["succeeded"]) == {"passed", "total", "rate", "low", "high"}
    page = html_path.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "<svg" in page and "Hello, 李雷! Good to see you." in page
    assert "66.7% [30.0%, 90.3%]" in page  # 4 of 6 with its Wilson interval


def assert_self_contained(page: str) -> None:
    """Nothing a browser would fetch: no URL, no script, no external stylesheet or image."""
    assert not re.search(r"https?:|//[a-z]|\b(src|href)\s*=|url\(|@import|<script|<link",
                         page, re.IGNORECASE), page
    assert "default-src 'none'" in page


def test_model_text_is_escaped_in_the_page(report):
    report.cases[0].runs[0].output = "<img src=x onerror=alert(1)>"
    page = render_html(report)
    assert "<img" not in page and "&lt;img src=x" in page


def test_template_variants_share_the_model_and_differ_in_prompts(engine, tmp_path):
    prompts = tmp_path / "v2" / "t"
    prompts.mkdir(parents=True)
    (prompts / "greet.j2").write_text("Greet Bo.")  # everyone is greeted as Bo: all fail
    path = write_dataset(tmp_path / "d.jsonl", DATASET[:1])
    spec = Eval("t.greet", path, read_dataset(path, "t.greet", engine.validate),
                variants(["default"], [None, tmp_path / "v2"]))
    runner = InlineRunner(engine)
    report = evaluate(spec, runner, progress=lambda n: None)
    assert [(v.name, v.succeeded.passed) for v in report.variants] == [
        ("default", 1), (f"default @ {tmp_path / 'v2'}", 0)]
    assert runner.engine(tmp_path / "v2").backend("default") is engine.backend("default")


def test_below_names_each_variant_under_a_floor(report):
    assert below(report, succeeded=0.6) == []
    assert below(report, succeeded=0.7, accepted=0.3) == [
        "default: succeeded 4/6 = 66.7% is under 70.0%"]
    assert below(report, accepted=0.5) == ["default: accepted 2/6 = 33.3% is under 50.0%"]


def test_compare_lists_the_cases_that_flipped(report):
    new = report.model_copy(deep=True)
    ada, _, lei = new.cases
    for run in ada.runs:  # Ada's assertions now hold: failed -> passed
        run.assertions = [a.model_copy(update={"passed": True}) for a in run.assertions]
    for run in lei.runs:  # Lei regresses
        run.status, run.problems = "failed", [Problem(code="repetition", message="loops")]
    flips = compare(report, new)
    assert [(f.case, f.old, f.new, f.regressed) for f in flips] == [
        ("ada", "failed", "passed", False), ("lei", "passed", "failed", True)]
    assert flips[1].why == "repetition: loops"
    assert compare(report, report) == []
