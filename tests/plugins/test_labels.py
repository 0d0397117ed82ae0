"""The labels plugin: visible and machine-readable AI labels, their settings, and
``aigc verify-label``. Unit tests run the real plugin in an engine with the scripted backend;
the e2e test runs the ``aigc`` command on the embedded model."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ConfigDict, Field

from aigc_core import Engine, GenerationOptions, Generator, Problem, Result, labelling
from aigc_core.checks import max_length, not_blank
from aigc_core.cli.main import cli
from aigc_core.testing import scripted
from aigc_plugins.labels import label
from aigc_plugins.labels.settings import LabelSettings
from aigc_plugins.labels.verify import verify, verify_document

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


# -- test generators: one text, one structured ------------------------------------------
class NoteInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str = Field(min_length=1, max_length=80, description="What the note is about.")
    language: str = Field("en", description="Language of the note.")


def note_fits(output: str, data: NoteInput) -> list[Problem]:
    return not_blank("text", output) + max_length("text", output, 400)


NOTE = Generator(
    name="labeltest.note",
    description="One short sentence (plain text).",
    input_model=NoteInput,
    prompt="labeltest/note.j2",
    template_sources={"labeltest/note.j2": "Write one short sentence about {{ topic }}."},
    options=GenerationOptions(max_tokens=40, max_repairs=0),
    validators=(note_fits,),
)


class CardInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str = Field(min_length=1, description="What the card is about.")
    language: str = Field("en", description="Language of the source.")
    target_language: str | None = Field(None, description="Language of the card.")


class Card(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(max_length=60)
    tags: list[str] = Field(max_length=3)


CARD = Generator(
    name="labeltest.card",
    description="A title and tags (structured).",
    input_model=CardInput,
    output_model=Card,
    prompt="labeltest/card.j2",
    template_sources={"labeltest/card.j2": "A card about {{ topic }}: {{ aigc.output_schema }}"},
)

CARD_ANSWER = '{"title": "潮汐 and tides", "tags": ["sea", "moon"]}'


@pytest.fixture
def engine(make_engine):
    """``engine(**labels_settings)``: the installed labels plugin plus the test generators."""

    def build(**labels_settings: Any) -> Engine:
        return make_engine(NOTE, CARD, enable_plugins=["labels"],
                           plugin_settings={"labels": labels_settings})

    return build


def run(engine: Engine, generator: str, answer: str, **input: Any) -> Result:
    scripted([answer])
    return engine.run(engine.make_job(generator, input))


def as_json(result: Result) -> dict[str, Any]:
    return json.loads(result.model_dump_json())


# -- labelling ---------------------------------------------------------------------------
def test_text_result_gets_a_visible_label_and_the_gb_45438_fields(engine):
    result = run(engine(), "labeltest.note", "Tides follow the moon.", topic="tides")
    assert result.ok and result.text == "[AI-generated]\n\nTides follow the moon."
    ai_label = result.metadata["ai_label"]
    assert ai_label["explicit"] == {"text": "[AI-generated]", "position": "start",
                                    "language": "en", "embedded": True, "separator": "\n\n"}
    implicit = ai_label["implicit"]
    expected = hashlib.sha256(result.text.encode("utf-8")).hexdigest()
    assert implicit["sha256"] == expected and implicit["sha256_of"] == "text"
    assert implicit["ReservedCode1"] == f"sha256:{expected}"
    assert implicit["Label"] == "1" and implicit["ContentProducer"] == "aigc"
    assert implicit["ProduceID"] == result.job_id
    assert implicit["ContentPropagator"] == implicit["PropagateID"] == ""
    assert implicit["ReservedCode2"] == ""
    assert implicit["digitalSourceType"] == IPTC
    assert implicit["generator"] == "labeltest.note" and implicit["model"] == "scripted-1"
    assert datetime.fromisoformat(implicit["time"]) == result.provenance.finished_at


def test_structured_output_is_untouched_and_the_label_goes_to_metadata(engine):
    result = run(engine(), "labeltest.card", CARD_ANSWER, topic="tides", language="zh")
    assert result.ok and result.text is None
    assert result.output == json.loads(CARD_ANSWER)
    Card.model_validate(result.output)  # still matches its schema
    ai_label = result.metadata["ai_label"]
    assert ai_label["explicit"]["text"] == "【AI生成】"
    assert ai_label["explicit"]["position"] == "start" and not ai_label["explicit"]["embedded"]
    canonical = '{"tags":["sea","moon"],"title":"潮汐 and tides"}'.encode()
    assert ai_label["implicit"]["sha256"] == hashlib.sha256(canonical).hexdigest()
    assert ai_label["implicit"]["sha256_of"] == "output"


def test_canonical_json_ignores_key_order_and_keeps_non_ascii():
    a = labelling.sha256("output", {"b": [1, 2], "a": "中"})
    assert a == labelling.sha256("output", {"a": "中", "b": [1, 2]})
    assert a == hashlib.sha256('{"a":"中","b":[1,2]}'.encode()).hexdigest()
    assert a != hashlib.sha256(b'{"a":"\\u4e2d","b":[1,2]}').hexdigest()
    assert a != labelling.sha256("output", {"a": "中", "b": [2, 1]})


@pytest.mark.parametrize(("language", "text"), [
    ("zh", "【AI生成】"), ("zh-CN", "【AI生成】"), ("ZH_tw", "【AI生成】"),
    ("French", "[Généré par IA]"), ("de", "[KI-generiert]"), ("es-MX", "[Generado por IA]"),
    ("ja", "【AI生成】"), ("en-GB", "[AI-generated]"), ("xx", "[AI-generated]"),
    (None, "[AI-generated]"),
])
def test_label_language_is_resolved_from_code_tag_or_name(language, text):
    assert LabelSettings().explicit_for(language).text == text


def test_target_language_wins_over_the_source_language(engine):
    result = run(engine(), "labeltest.card", CARD_ANSWER, topic="t", language="en",
                 target_language="es")
    assert result.metadata["ai_label"]["explicit"]["text"] == "[Generado por IA]"
    result = run(engine(), "labeltest.note", "月亮引起潮汐。", topic="t", language="zh")
    assert result.text == "【AI生成】\n\n月亮引起潮汐。"


def test_operator_settings_override_texts_positions_and_producer(engine):
    configured = engine(
        position="end", separator=" ", content_producer="ACME News", content_propagator="ACME",
        default_language="zh",
        languages={"en": {"text": "(made by AI)"},
                   "ZH": {"text": "人工智能生成", "position": "start"}},
    )
    result = run(configured, "labeltest.note", "Tides.", topic="t", language="en")
    assert result.text == "Tides. (made by AI)"
    implicit = result.metadata["ai_label"]["implicit"]
    assert implicit["ContentProducer"] == "ACME News" and implicit["ContentPropagator"] == "ACME"
    assert implicit["PropagateID"] == result.job_id
    result = run(configured, "labeltest.note", "潮汐。", topic="t", language="xx")
    assert result.text == "人工智能生成 潮汐。"  # unknown language: default_language, its position
    assert verify(as_json(result)).status == "ok"


@pytest.mark.parametrize(("settings", "message"), [
    ({"position": "middle"}, "plugin_settings.labels.position"),
    ({"default_language": "pt"}, "default_language 'pt' has no label"),
    ({"languages": {"pt": {"text": ""}}}, "plugin_settings.labels.languages.pt.text"),
    ({"colour": "red"}, "plugin_settings.labels.colour"),
])
def test_bad_settings_fail_the_job_naming_the_setting(engine, settings, message):
    result = run(engine(**settings), "labeltest.note", "Tides.", topic="t")
    assert result.status == "failed" and result.error.kind == "plugin"
    assert message in result.error.message


def test_failed_jobs_are_not_labelled(engine):
    scripted(["not json"] * 3)
    e = engine()
    result = e.run(e.make_job("labeltest.card", {"topic": "t"}))
    assert result.status == "failed" and result.error.kind == "validation"
    assert "ai_label" not in result.metadata


def test_operators_can_disable_the_plugin(make_engine, monkeypatch):
    monkeypatch.setenv("AIGC_DISABLE_PLUGINS", "labels")
    e = make_engine(NOTE, enable_plugins=["labels"])
    assert "labels" not in e.host.plugins
    result = run(e, "labeltest.note", "Tides.", topic="t")
    assert result.ok and result.text == "Tides." and result.metadata == {}


def test_remove_gives_back_the_generated_text(engine):
    for position in ("start", "end"):
        result = run(engine(position=position), "labeltest.note", "Tides.", topic="t")
        assert result.text != "Tides."
        assert label.remove(result.text, result.metadata["ai_label"]["explicit"]) == "Tides."


# -- verification ------------------------------------------------------------------------
@pytest.fixture
def labelled(engine) -> dict[str, dict[str, Any]]:
    e = engine()
    return {"text": as_json(run(e, "labeltest.note", "Tides follow the moon.", topic="t")),
            "output": as_json(run(e, "labeltest.card", CARD_ANSWER, topic="t"))}


def rehash(doc: dict[str, Any]) -> None:
    """What a tamperer who knows the scheme would do: recompute the digest."""
    implicit = doc["metadata"]["ai_label"]["implicit"]
    implicit["sha256"] = hashlib.sha256(doc["text"].encode()).hexdigest()
    implicit["ReservedCode1"] = f"sha256:{implicit['sha256']}"


def test_intact_labels_verify(labelled):
    for doc in labelled.values():
        verdict = verify(doc)
        assert verdict.status == "ok" and verdict.job_id == doc["job_id"], verdict.messages
    reordered = copy.deepcopy(labelled["output"])
    reordered["output"] = dict(reversed(list(reordered["output"].items())))
    assert verify(reordered).status == "ok"  # key order is not content


def tamper_text(doc):
    doc["text"] = doc["text"].replace("moon", "sun")


def tamper_output(doc):
    doc["output"]["tags"].append("sun")


def drop_produce_id(doc):
    del doc["metadata"]["ai_label"]["implicit"]["ProduceID"]


def blank_producer(doc):
    doc["metadata"]["ai_label"]["implicit"]["ContentProducer"] = ""


def wrong_label_value(doc):
    doc["metadata"]["ai_label"]["implicit"]["Label"] = "AI"


def other_job(doc):
    doc["job_id"] = "someone-else"


def strip_all_labels(doc):
    doc["metadata"] = {}


def strip_visible_label_and_rehash(doc):
    doc["text"] = doc["text"].removeprefix("[AI-generated]\n\n")
    rehash(doc)


def strip_explicit_metadata(doc):
    del doc["metadata"]["ai_label"]["explicit"]


def forge_reserved_code(doc):
    doc["metadata"]["ai_label"]["implicit"]["ReservedCode1"] = "sha256:0"


@pytest.mark.parametrize(("kind", "tamper", "reason"), [
    ("text", tamper_text, "text was modified after labelling: sha256 mismatch"),
    ("output", tamper_output, "output was modified after labelling: sha256 mismatch"),
    ("text", drop_produce_id, "lacks GB 45438 field(s): ProduceID"),
    ("output", blank_producer, "must not be empty: ContentProducer"),
    ("text", wrong_label_value, "Label is 'AI'"),
    ("text", other_job, "is not this result's job_id 'someone-else'"),
    ("output", strip_all_labels, "no implicit AI label"),
    ("text", strip_visible_label_and_rehash, "'[AI-generated]' is not at the start of the text"),
    ("output", strip_explicit_metadata, "no explicit AI label"),
    ("text", forge_reserved_code, "ReservedCode1 does not hold the label's digest"),
])
def test_tampering_fails_with_the_reason(labelled, kind, tamper, reason):
    doc = copy.deepcopy(labelled[kind])
    tamper(doc)
    verdict = verify(doc)
    assert verdict.status == "fail"
    assert any(reason in message for message in verdict.messages), verdict.messages


def test_failed_jobs_are_skipped_and_torn_lines_fail(labelled):
    failed = {**labelled["text"], "status": "failed", "metadata": {}}
    assert verify(failed).status == "skip"
    torn = json.dumps(labelled["text"])[:50]
    verdict = verify_document(torn)
    assert verdict.status == "fail" and "torn or truncated" in verdict.messages[0]
    assert verify({"job": 1}).status == "fail"


# -- the command -------------------------------------------------------------------------
def verify_label(path: Path):
    return CliRunner().invoke(cli, ["verify-label", str(path)])


def test_verify_label_is_an_aigc_command():
    # Commands are looked up when a command line needs them: ask as a user would.
    assert "verify-label" in CliRunner().invoke(cli, ["--help"]).output


def test_verify_label_accepts_a_result_json_file(labelled, tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps(labelled["text"], indent=2, ensure_ascii=False), encoding="utf-8")
    out = verify_label(path)
    assert out.exit_code == 0, out.output
    assert f"OK   result (job {labelled['text']['job_id']}): AI label intact" in out.output
    assert "1 result(s): 1 verified, 0 failed" in out.output


def test_verify_label_reports_each_jsonl_line(labelled, tmp_path):
    tampered = copy.deepcopy(labelled["output"])
    tamper_output(tampered)
    failed = {**labelled["text"], "job_id": "f", "status": "failed", "metadata": {}}
    lines = [json.dumps(doc, ensure_ascii=False)
             for doc in (labelled["text"], labelled["output"], tampered, failed)]
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join(lines) + "\n" + lines[0][:40], encoding="utf-8")  # torn last line
    out = verify_label(path)
    assert out.exit_code == 1
    assert "OK   line 1" in out.output and "OK   line 2" in out.output
    assert "FAIL line 3" in out.output and "output was modified after labelling" in out.output
    assert "SKIP line 4 (job f)" in out.output
    assert "FAIL line 5 (job ?): not valid JSON" in out.output
    assert "5 result(s): 2 verified, 2 failed, 1 skipped" in out.output


def test_verify_label_rejects_an_empty_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")
    out = verify_label(path)
    assert out.exit_code == 1 and "holds no results" in out.output


# -- end to end: the aigc command on the embedded model -------------------------------------
@pytest.mark.e2e
def test_cli_labels_a_text_result_and_verify_label_checks_it(plugin_env, tmp_path):
    """``hello.greeting`` (the third-party test plugin) is a text generator: run it with
    ``aigc generate --json`` on the embedded model, then ``aigc verify-label`` the file."""
    from aigc_hello import Greeting, mentions_name

    (tmp_path / "aigc.toml").write_text('enable_plugins = ["hello", "labels"]\n')
    done = subprocess.run(
        [str(Path(sys.executable).parent / "aigc"), "generate", "hello.greeting",
         "-p", "name=Ada", "-p", "language=French", "--json"],
        env=plugin_env, cwd=tmp_path, capture_output=True, text=True, timeout=180,
    )
    result = json.loads(done.stdout)
    if result["status"] == "failed":  # the model may leave the name out even after repairs
        assert result["error"]["kind"] == "validation" and result["problems"], result
        assert "ai_label" not in result["metadata"]
        return
    assert done.returncode == 0 and result["text"].startswith("[Généré par IA]\n\n")
    generated = label.remove(result["text"], result["metadata"]["ai_label"]["explicit"])
    assert mentions_name(generated, Greeting(name="Ada", language="French")) == []

    path = tmp_path / "result.json"
    path.write_text(done.stdout, encoding="utf-8")
    checked = verify_label(path)
    assert checked.exit_code == 0 and "1 verified, 0 failed" in checked.output, checked.output
    path.write_text(json.dumps({**result, "text": result["text"] + " Bob"}), encoding="utf-8")
    checked = verify_label(path)
    assert checked.exit_code == 1 and "text was modified after labelling" in checked.output


@pytest.mark.parametrize("kind", ["text", "output"])
def test_a_reviewers_edit_verifies_and_a_change_after_it_does_not(labelled, kind):
    """An approved edit (review.md) keeps the model's label and records the edit's digest:
    verify-label accepts it, and catches a change made after the edit."""
    result = Result.model_validate(labelled[kind])
    label = labelling.explicit_label(result)
    if kind == "text":
        result.text = labelling.embed("Tides follow the sun and the moon.", label)
    else:
        result.output = {**(result.output or {}), "title": "An edited title"}
    labelling.record_edit(result, "ana", "2026-12-05T12:00:00+00:00", 1)
    verdict = verify(as_json(result))
    assert verdict.status == "ok", verdict.messages
    assert "edited by ana in revision 1" in verdict.messages[0]
    after = as_json(result)
    if kind == "text":
        after["text"] = after["text"].replace("sun", "stars")
    else:
        after["output"]["title"] = "Changed after the edit"
    verdict = verify(after)
    assert verdict.status == "fail"
    assert f"{kind} was modified after its edit by ana (revision 1)" in verdict.messages[0]
