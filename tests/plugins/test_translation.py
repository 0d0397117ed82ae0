"""The translation plugin: masking round trips, chunking, each validator, the generator through
the engine with a scripted model, and end to end on the embedded model."""

from __future__ import annotations

import json
import random
import re

import pytest
from pydantic import ValidationError

from aigc_core import Engine, GenerationOptions, Problem
from aigc_core.testing import ScriptedBackend, scripted
from aigc_plugins.translation import languages, masking
from aigc_plugins.translation.chunking import CHUNK_CHARS, DocumentChunking, split_masked
from aigc_plugins.translation.masking import TOKEN, mask, restore
from aigc_plugins.translation.models import TranslateInput, TranslateOutput, TranslationPart
from aigc_plugins.translation.translate import TRANSLATE
from aigc_plugins.translation.validators import (
    glossary_used,
    in_target_language,
    length_sane,
    output_shape,
    protected_spans_kept,
    tokens_restored,
)

# -- masking ------------------------------------------------------------------------------------
#: One of each kind of protected span, as it appears in real strings.
PROTECTED = [
    "{name}", "{0}", "{}", "{price:.2f}", "{user!r}", "%s", "%d", "%1$s", "%(user)s", "%.2f",
    "%5.1f", "%@", "%%", "{{var}}", "{{ user.name }}", "{% if x %}", "${total}", "%{count}",
    "{count, plural, one {# file} other {# files}}",
    "{gender, select, male {He has {n} items} female {She} other {They}}",
    "<br/>", "<img src=\"a.png\" alt=\"x\">", "&amp;", "&#8212;", "<!-- note -->",
    "https://example.com/a?b=1&c=2", "ops@example.org",
]
PAIRS = [("<b>", "</b>"), ("<a href=\"/help\">", "</a>"), ("<span class='x'>", "</span>")]
WORDS = ["Save", "the", "files", "now", "please", "your", "account", "is", "ready", "Welcome"]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", ", ", ". "]


def random_text(rng: random.Random) -> tuple[str, list[str]]:
    """A text mixing words with protected spans; also returns the spans it used."""
    pieces, used = [], []
    for _ in range(rng.randint(2, 14)):
        roll = rng.random()
        if roll < 0.35:
            span = rng.choice(PROTECTED)
            pieces.append(span)
            used.append(span)
        elif roll < 0.5:
            opener, closer = rng.choice(PAIRS)
            pieces.append(f"{opener}{rng.choice(WORDS)} {rng.choice(WORDS)}{closer}")
            used += [opener, closer]
        else:
            pieces.append(rng.choice(WORDS))
        pieces.append(rng.choice(SEPARATORS))
    return "".join(pieces).strip(), used


@pytest.mark.parametrize("seed", range(300))
def test_mask_then_restore_gives_the_source_back(seed):
    text, used = random_text(random.Random(seed))
    masked = mask(text, masking.common)
    for span in used:
        assert span not in masked.text, f"{span!r} reached the model in {masked.text!r}"
    assert [int(n) for n in TOKEN.findall(masked.text)] == list(range(1, len(masked.tokens) + 1))
    restored = restore(masked.text, masked.tokens)
    assert restored.problems == []
    assert restored.text == text


@pytest.mark.parametrize("seed", range(100))
def test_free_tokens_may_move_but_every_one_must_come_back_once(seed):
    rng = random.Random(seed)
    text = "{first} then %s: " + random_text(rng)[0]
    masked = mask(text, masking.common)
    free = [masking.token(t.id) for t in masked.tokens if t.role == "free"]
    first, second = rng.sample(free, 2)
    swapped = masked.text.replace(first, "\0").replace(second, first).replace("\0", second)
    moved = restore(swapped, masked.tokens)
    assert moved.problems == []
    assert sorted(map(_key, masking.inventory(moved.text, masking.common))) == \
        sorted(map(_key, masking.inventory(text, masking.common)))

    lost = restore(swapped.replace(first, "", 1), masked.tokens)
    assert [p.code for p in lost.problems] == ["token_missing"]
    doubled = restore(swapped + first, masked.tokens)
    assert [p.code for p in doubled.problems] == ["token_duplicate"]


def _key(entry: masking.Entry) -> tuple[str, str]:
    return entry[0], entry[1]


def test_icu_messages_with_nested_braces_are_one_token():
    text = "You have {count, plural, =0 {no files} one {# file} other {# files}} left."
    masked = mask(text, masking.common)
    assert masked.text == "You have <x1/> left."
    assert masked.tokens[0].value == "{count, plural, =0 {no files} one {# file} other {# files}}"


def test_a_stray_brace_does_not_hide_the_placeholders_after_it():
    masked = mask("Type { to open a block, {name}; {or this}", masking.common)
    assert [t.value for t in masked.tokens] == ["{name}"]


@pytest.mark.parametrize("text", ["50% off today", "{like this aside}", "a < b and c > d",
                                  "100 % sure", "Email us today"])
def test_prose_that_only_looks_like_syntax_stays_text(text):
    assert mask(text, masking.common).tokens == ()


def test_html_tags_pair_up_and_void_tags_move_freely():
    masked = mask('<p>Read <a href="/t">the terms</a><br>now</p>', masking.common)
    roles = {t.value: (t.role, t.partner) for t in masked.tokens}
    assert roles['<a href="/t">'] == ("open", 3)
    assert roles["</a>"] == ("close", 2)
    assert roles["<br>"] == ("free", None)
    assert roles["<p>"] == ("open", 5)


def test_markdown_structure_is_masked_and_text_left_to_translate():
    text = ("## Setup\n\nRun `make` and read [the guide](https://x.org/g \"Guide\").\n\n"
            "- **Fast** builds\n- Small *images*\n\n```sh\nmake all\n```\n")
    masked = mask(text, masking.markdown)
    assert masking.words(masked.text, masking.markdown) == \
        "Setup Run and read the guide . Fast builds Small images"
    values = [t.value for t in masked.tokens]
    assert "## " in values and "`make`" in values and '](https://x.org/g "Guide")' in values
    assert any("make all" in v for v in values)
    assert restore(masked.text, masked.tokens).text == text


@pytest.mark.parametrize("written", ["<x1>", "< X1 />", "<x1/", "<x 1/>"])
def test_slightly_misspelt_tokens_still_restore(written):
    masked = mask("Hi {name}!", masking.common)
    assert restore(f"Salut {written} !", masked.tokens) == masking.Restored("Salut {name} !", [])


def test_restore_reports_unknown_reordered_and_crossed_tokens():
    masked = mask("<b>one</b>\n\n<i>two</i>\nthree", masking.common)
    assert masked.text == "<x1/>one<x2/><x3/><x4/>two<x5/><x6/>three"
    codes = lambda text: sorted(p.code for p in restore(text, masked.tokens).problems)  # noqa: E731
    assert codes("<x1/>un<x2/><x3/><x4/>deux<x5/><x6/>trois<x7/>") == ["token_unknown"]
    assert codes("<x1/>un<x2/><x6/><x4/>deux<x5/><x3/>trois") == ["token_order"]
    assert codes("<x2/>un<x1/><x3/><x4/>deux<x5/><x6/>trois") == ["token_nesting"]
    assert codes("<x1/>un<x4/><x2/><x3/>deux<x5/><x6/>trois") == ["token_nesting"]


def test_glossary_terms_restore_as_their_translation_in_the_source_case():
    finder = masking.glossary_finder({"dashboard": "tableau de bord", "sign in": "connexion"})
    masked = mask("Dashboard: sign in to the dashboard.", [finder])
    assert restore(masked.text, masked.tokens).text == \
        "Tableau de bord: connexion to the tableau de bord."


# -- chunking -----------------------------------------------------------------------------------
def long_text(rng: random.Random, paragraphs: int) -> str:
    sentence = lambda: " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))) + "."  # noqa: E731
    return "\n\n".join(" ".join(sentence() for _ in range(rng.randint(1, 8)))
                       for _ in range(paragraphs))


@pytest.mark.parametrize("seed", range(40))
def test_split_covers_the_text_in_order_within_the_limit(seed):
    rng = random.Random(seed)
    text = long_text(rng, rng.randint(1, 6))
    masked = mask(text, masking.common)
    anchors = frozenset(masking.token(t.id) for t in masked.tokens if t.role == "anchor")
    stretches = split_masked(masked.text, anchors, limit=120)
    assert "".join(stretches) == masked.text
    assert all(len(s) <= 120 for s in stretches)
    # Sentences here are shorter than the limit, so every cut is after a sentence or a break.
    assert all(re.search(r"(\. |<x\d+/>)$", s) for s in stretches[:-1])


def test_long_document_splits_into_parts_with_context_and_joins_in_order():
    text = long_text(random.Random(7), 6) + " Ask {name} at https://help.example.com today."
    data = TranslateInput(text=text, target_language="fr", source_language="en")
    parts = DocumentChunking().split(data)
    assert len(parts) > 2 and all(len(p.text) <= CHUNK_CHARS for p in parts)
    assert parts[1].context_before and parts[1].context_before.split()[-1] in parts[0].text
    assert parts[0].context_after.split()[0] in parts[1].text

    outputs = [TranslateOutput(translation=f"P{index:02d} {part.text}")
               for index, part in enumerate(parts)]
    joined = DocumentChunking().join(data, outputs).translation
    assert re.findall(r"P\d\d", joined) == [f"P{i:02d}" for i in range(len(parts))]
    assert re.sub(r"P\d\d ", "", joined) == text


def random_document(rng: random.Random, fmt: str):
    if fmt == "json":
        return {"a": random_text(rng)[0], "b": {"c": [random_text(rng)[0], 4, None]},
                "d": long_text(rng, 3)}
    blocks = [random_text(rng)[0], long_text(rng, rng.randint(1, 4))]
    if fmt == "markdown":
        blocks += ["## Heading", "- item *one*\n- item `two`", "```\ncode {x}\n```",
                   "| a | b |\n|---|---|\n| [c](https://c.io) | d |"]
    rng.shuffle(blocks)
    return "\n\n".join(blocks)


@pytest.mark.parametrize("fmt", ["plain", "markdown", "html", "json"])
@pytest.mark.parametrize("seed", range(15))
def test_copying_every_chunk_reassembles_the_source_exactly(fmt, seed):
    data = TranslateInput(text=random_document(random.Random(seed), fmt), format=fmt,
                          target_language="fr", source_language="en")
    parts = DocumentChunking().split(data)
    assert all(TOKEN.findall(p.text) == [str(t.id) for t in p.tokens] for p in parts)
    joined = DocumentChunking().join(data, [TranslateOutput(translation=p.text) for p in parts])
    assert joined.translation == data.text


def test_chunks_without_words_are_copied_without_a_model_call():
    data = TranslateInput(text={"a": "{count}", "b": "%s / %d", "c": 3}, format="json",
                          target_language="de", source_language="en")
    assert DocumentChunking().split(data) == []
    assert DocumentChunking().join(data, []).translation == data.text


def test_markdown_code_blocks_never_reach_the_model():
    data = TranslateInput(text="Intro text.\n\n```py\nprint('hi')\n```\n\nOutro text.",
                          format="markdown", target_language="fr", source_language="en")
    parts = DocumentChunking().split(data)
    assert [p.text for p in parts] == ["Intro text.<x1/>Outro text."]
    assert parts[0].tokens[0].value == "\n\n```py\nprint('hi')\n```\n\n"


# -- input model --------------------------------------------------------------------------------
def test_json_text_is_parsed_and_other_formats_refuse_objects():
    data = TranslateInput(text='{"a": {"b": "Hi"}}', format="json", target_language="fr")
    assert data.text == {"a": {"b": "Hi"}}
    for bad in [{"text": "{not json", "format": "json"}, {"text": "[1, 2]", "format": "json"},
                {"text": {"a": "b"}, "format": "plain"},
                {"text": "Hello", "source_language": "fr"},
                {"text": "Hello", "target_language": "French"},
                {"text": "Hello", "glossary": {"": "x"}}]:
        with pytest.raises(ValidationError):
            TranslateInput.model_validate({"target_language": "fr", **bad})


def test_source_language_is_detected_when_absent():
    data = TranslateInput(text="The weather is lovely today, let us go for a walk in the park.",
                          target_language="de")
    assert data.resolved_source_language() == "en"


def test_the_model_is_asked_for_the_translation_only():
    schema = TranslateOutput.model_json_schema()
    assert list(schema["properties"]) == ["translation"]
    assert schema["additionalProperties"] is False
    described = TranslateOutput.model_json_schema(mode="serialization")["properties"]
    assert set(described) == {"translation", "source_language", "target_language",
                              "glossary_applied"}


# -- validators ---------------------------------------------------------------------------------
def document(text, **fields) -> TranslateInput:
    return TranslateInput(text=text, **{"target_language": "fr", "source_language": "en",
                                        **fields})


def out(translation) -> TranslateOutput:
    return TranslateOutput(translation=translation)


def codes(problems: list[Problem]) -> list[str]:
    return sorted(p.code for p in problems)


def test_tokens_restored_on_parts():
    masked = mask("Hello {name}, see <b>this</b>.", masking.common)
    part = TranslationPart(text=masked.text, tokens=list(masked.tokens), format="plain",
                           source_language="en", target_language="fr", formality="default")
    assert tokens_restored(out("Bonjour <x1/>, voyez <x2/>ceci<x3/>."), part) == []
    assert codes(tokens_restored(out("Bonjour, voyez <x2/>ceci<x3/>."), part)) == \
        ["token_missing"]
    assert tokens_restored(out("Bonjour."), document("Hi")) == []  # documents have no tokens


def test_output_shape_checks_json_keys_and_types():
    data = document({"menu": {"save": "Save", "n": 3}, "list": ["a", "b"]}, format="json")
    assert output_shape(out({"menu": {"save": "Enregistrer", "n": 3},
                             "list": ["x", "y"]}), data) == []
    problems = output_shape(out({"menu": {"sav": "Enregistrer", "n": 4}, "list": ["x"]}), data)
    assert sorted(p.field for p in problems) == ["translation.list", "translation.menu.n",
                                                 "translation.menu.sav", "translation.menu.save"]
    assert codes(output_shape(out({"a": "b"}), document("Hello"))) == ["type"]
    assert output_shape(out("Bonjour"), document("Hello")) == []


@pytest.mark.parametrize(("fmt", "source", "good", "bad", "expected"), [
    ("plain", "Hello {name}, you have %d messages.", "Bonjour {name}, vous avez %d messages.",
     "Bonjour {nom}, vous avez %d messages.", ["span_added", "span_missing"]),
    ("html", "<p>Click <b>here</b>.</p>", "<p>Cliquez <b>ici</b>.</p>",
     "<p>Cliquez ici.</p>", ["span_missing", "span_missing"]),
    ("markdown", "# Title\n\n- one\n- two", "# Titre\n\n- un\n- deux",
     "# Titre\n\n- un deux", ["span_missing", "span_missing"]),
    ("markdown", "Use `npm i` from [docs](https://d.io).", "Utilisez `npm i` via [doc](https://d.io).",
     "Utilisez npm i via [doc](https://d.io).", ["span_missing"]),
])
def test_protected_spans_kept(fmt, source, good, bad, expected):
    data = document(source, format=fmt)
    assert protected_spans_kept(out(good), data) == []
    assert codes(protected_spans_kept(out(bad), data)) == expected


def test_protected_spans_in_json_values_are_checked_per_key():
    data = document({"greet": "Hi {name}", "bye": "Bye"}, format="json")
    assert protected_spans_kept(out({"greet": "Salut {name}", "bye": "Salut"}), data) == []
    problems = protected_spans_kept(out({"greet": "Salut", "bye": "Salut"}), data)
    assert [p.field for p in problems] == ["translation.greet"]


def test_markdown_block_order_is_structure():
    data = document("# A\n\nText\n\n## B\n\nMore", format="markdown")
    assert codes(protected_spans_kept(out("## A\n\nTexte\n\n# B\n\nPlus"), data)) == \
        ["span_order"]


def test_glossary_used():
    data = document("Open the dashboard, then {dashboard}.",
                    glossary={"dashboard": "tableau de bord"})
    assert glossary_used(out("Ouvrez le tableau de bord, puis {dashboard}."), data) == []
    assert codes(glossary_used(out("Ouvrez le panneau, puis {dashboard}."), data)) == ["glossary"]
    # A term only inside a placeholder is not a use of the term.
    assert glossary_used(out("Puis {dashboard}."), document(
        "Then {dashboard}.", glossary={"dashboard": "tableau de bord"})) == []


def test_length_sane_with_per_pair_bounds():
    source = "The quick brown fox jumps over the lazy dog near the river bank."
    data = document(source)
    assert length_sane(out("Le renard brun rapide saute par-dessus le chien paresseux."),
                       data) == []
    assert codes(length_sane(out("Le renard."), data)) == ["too_short"]
    assert codes(length_sane(out("Le renard brun rapide saute. " * 8), data)) == ["too_long"]
    # Short strings get leeway for longer words, little for lost ones.
    assert length_sane(out("D'accord"), document("OK")) == []
    assert codes(length_sane(out("Bonjour"), document("Hello, welcome back!"))) == ["too_short"]
    # English -> Chinese is expected to be much shorter: the French-sized answer is too long.
    assert codes(length_sane(out("敏捷的棕色狐狸跳过了河边的懒狗。" * 4), document(
        source, target_language="zh"))) == ["too_long"]
    to_chinese, to_french = (languages.length_bounds("en", target, len(source))
                             for target in ("zh", "fr"))
    assert to_chinese[0] < to_french[0] and to_chinese[1] < to_french[1]
    assert length_sane(out("敏捷的棕色狐狸跳过了河边的懒狗。"),
                       document(source, target_language="zh")) == []


def test_in_target_language():
    data = document("The meeting has been moved to Thursday afternoon.")
    assert in_target_language(out("La réunion a été déplacée à jeudi après-midi."), data) == []
    problems = in_target_language(out("The meeting has been moved to Thursday afternoon."), data)
    assert codes(problems) == ["language"] and "English" in problems[0].message
    # Below MIN_DETECTABLE_LETTERS letters the check is skipped: short strings pass unchecked.
    assert languages.letters("Save changes") < languages.MIN_DETECTABLE_LETTERS
    assert in_target_language(out("Save changes"), document("Save changes")) == []
    # Languages py3langid does not know are not checked.
    assert in_target_language(out("The meeting moved to Thursday."),
                              document("The meeting moved.", target_language="haw")) == []


# -- through the engine, with a scripted model ---------------------------------------------------
FRENCH = ["le", "chat", "dort", "sur", "la", "table", "de", "la", "cuisine", "pendant", "que",
          "nous", "mangeons"]


def translator(request) -> str:
    """A scripted model: every English word of the chunk becomes a French one, tokens stay.
    One English word is always the same French word, so the copy repeats only where the source
    does (the repetition gate fails a translator that loops)."""
    chunk = request.messages[-1].content.rsplit(":\n", 1)[1]

    def frenchify(text: str) -> str:
        return re.sub(r"[A-Za-z]+",
                      lambda m: FRENCH[sum(map(ord, m.group())) % len(FRENCH)], text)

    out, pos = [], 0
    for m in TOKEN.finditer(chunk):
        out += [frenchify(chunk[pos:m.start()]), m.group()]
        pos = m.end()
    return json.dumps({"translation": "".join([*out, frenchify(chunk[pos:])])})


@pytest.fixture
def engine(make_engine) -> Engine:
    return make_engine(TRANSLATE)


def test_a_job_restores_placeholders_and_fills_languages(engine):
    scripted(['{"translation": "Bonjour <x1/>, vos <x2/>commandes<x3/> sont prêtes."}'])
    result = engine.run(engine.make_job("translation.translate", {
        "text": "Hello {name}, your <b>orders</b> are ready.", "target_language": "fr"}))
    assert result.ok, result.problems
    assert result.output == {"translation": "Bonjour {name}, vos <b>commandes</b> sont prêtes.",
                             "source_language": "en", "target_language": "fr",
                             "glossary_applied": []}
    prompt = ScriptedBackend.requests[0].messages
    assert "{name}" not in prompt[1].content and "<x1/>" in prompt[1].content
    assert "English" in prompt[0].content and "French" in prompt[0].content


def test_a_lost_token_is_fed_back_and_repaired(engine):
    scripted(['{"translation": "Bonjour, bienvenue."}',
              '{"translation": "Bonjour <x1/>, bienvenue."}'])
    result = engine.run(engine.make_job("translation.translate", {
        "text": "Hello {name}, welcome.", "target_language": "fr", "source_language": "en"}))
    assert result.ok and result.output["translation"] == "Bonjour {name}, bienvenue."
    assert result.provenance.attempts == 2
    assert "lost <x1/>" in ScriptedBackend.requests[1].messages[-1].content


def test_spaces_the_model_puts_around_breaks_do_not_break_the_layout(engine):
    scripted(['{"translation": " La première ligne <x1/>  la deuxième <X2> - la dernière. "}'])
    result = engine.run(engine.make_job("translation.translate", {
        "text": "The first line\n\nthe second\n- the last.", "target_language": "fr",
        "source_language": "en"}))
    assert result.ok, (result.error, result.problems)
    assert result.output["translation"] == "La première ligne\n\nla deuxième\n- la dernière."


def test_a_job_that_never_keeps_its_tokens_fails_listing_problems(engine):
    scripted(['{"translation": "Bonjour."}'] * 3)
    result = engine.run(engine.make_job("translation.translate", {
        "text": "Hello {name}.", "target_language": "fr", "source_language": "en"}))
    assert not result.ok and result.error.kind == "validation"
    assert [p.code for p in result.problems] == ["token_missing"]


def test_a_long_markdown_job_runs_one_call_per_chunk_and_joins_them(engine):
    text = "# Guide\n\n" + long_text(random.Random(3), 5) + "\n\nSee the **dashboard**."
    scripted([translator] * 20)
    result = engine.run(engine.make_job("translation.translate", {
        "text": text, "target_language": "fr", "source_language": "en", "format": "markdown",
        "glossary": {"dashboard": "tableau de bord"}}))
    assert result.ok, result.problems
    calls = len(ScriptedBackend.requests)
    assert calls == len(DocumentChunking().split(engine.validate(engine.make_job(
        "translation.translate", {"text": text, "target_language": "fr",
                                  "source_language": "en", "format": "markdown"})))) > 1
    translation = result.output["translation"]
    assert translation.startswith("# ") and translation.count("\n\n") == text.count("\n\n")
    assert "**tableau de bord**" in translation
    assert result.output["glossary_applied"] == ["dashboard"]


def test_a_json_job_keeps_keys_and_translates_values(engine):
    scripted(['{"translation": "Bonjour <x1/> !"}', '{"translation": "Enregistrer"}'])
    result = engine.run(engine.make_job("translation.translate", {
        "text": {"greeting": "Hello {user}!", "menu": {"save": "Save", "id": 7}},
        "format": "json", "target_language": "fr", "source_language": "en"}))
    assert result.ok, result.problems
    assert result.output["translation"] == {"greeting": "Bonjour {user} !",
                                            "menu": {"save": "Enregistrer", "id": 7}}


def test_a_file_of_placeholders_only_needs_no_model_call(engine):
    scripted([])
    result = engine.run(engine.make_job("translation.translate", {
        "text": {"n": "{count}", "when": "%s"}, "format": "json", "target_language": "fr"}))
    assert result.ok and result.output["translation"] == {"n": "{count}", "when": "%s"}
    assert ScriptedBackend.requests == [] and result.output["source_language"] == "und"


def test_prompts_render_formality_and_context(engine):
    scripted([translator] * 10)
    text = long_text(random.Random(5), 4)
    engine.run(engine.make_job("translation.translate", {
        "text": text, "target_language": "fr", "source_language": "en",
        "formality": "informal"}))
    for request in ScriptedBackend.requests:
        system, user = request.messages
        assert "from English into French" in system.content and '"tu"' in system.content
        assert ("Tokens like" in system.content) == ("<x1/>" in user.content)
    assert "Text before (context only" in ScriptedBackend.requests[1].messages[1].content


# -- end to end on the embedded model ------------------------------------------------------------
def assert_invariant(engine: Engine, job) -> dict | None:
    """Succeeded and re-validates clean, or failed on validation with problems listed."""
    result = engine.run(job)
    if not result.ok:
        assert result.error.kind == "validation" and result.problems, result.error
        return None
    output = TranslateOutput.model_validate(result.output)
    data = engine.validate(job)
    assert [p for check in TRANSLATE.validators for p in check(output, data)] == []
    assert output.target_language == "fr" and output.source_language == "en"
    return result.output


E2E_OPTIONS = GenerationOptions(max_tokens=64, max_repairs=1)


@pytest.mark.e2e
def test_embedded_model_translates_plain_text(local_engine):
    job = local_engine.make_job("translation.translate", {
        "text": "Hello {name}, welcome back!", "target_language": "fr"}, options=E2E_OPTIONS)
    output = assert_invariant(local_engine, job)
    if output is not None:
        assert output["translation"].count("{name}") == 1


@pytest.mark.e2e
def test_embedded_model_translates_a_json_i18n_file(local_engine):
    job = local_engine.make_job("translation.translate", {
        "text": {"title": "Settings", "inbox": {"unread": "You have %d new messages"}},
        "format": "json", "target_language": "fr", "source_language": "en"},
        options=E2E_OPTIONS)
    output = assert_invariant(local_engine, job)
    if output is not None:
        assert set(output["translation"]) == {"title", "inbox"}
        assert output["translation"]["inbox"]["unread"].count("%d") == 1


def test_a_failed_part_names_its_attempts_and_the_jobs(engine):
    scripted(['{"translation": "Paramètres"}'] + ['{"translation": "Vous avez messages"}'] * 3)
    result = engine.run(engine.make_job("translation.translate", {
        "format": "json", "target_language": "fr", "source_language": "en",
        "text": {"title": "Settings", "unread": "You have %d new messages"}}))
    assert not result.ok and result.provenance.attempts == 4
    assert result.error.message == ("part[1] still had problems after 3 attempt(s) "
                                    "(4 attempt(s) in all for the job's parts)")
    assert [p.field for p in result.problems] == ["part[1].translation"]
