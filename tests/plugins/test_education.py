"""The education plugin: input models, every validator, every exporter (read back the way
Moodle and Anki read them), the generators through the engine with a scripted model, and
end to end on the embedded model."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from pydantic import ValidationError

from aigc_core import GenerationOptions, Generator, Result
from aigc_core.cli.render import render
from aigc_core.testing import ScriptedBackend, scripted
from aigc_plugins.education import (
    GENERATORS,
    export_aiken,
    export_anki,
    export_gift,
    export_json,
    export_markdown,
)
from aigc_plugins.education import readability as readability_module
from aigc_plugins.education.export_support import ExportError
from aigc_plugins.education.flashcards import (
    FLASHCARDS,
    FlashcardInput,
    Flashcards,
    back_answers_front,
    backs_from_source,
    card_count,
    distinct_fronts,
)
from aigc_plugins.education.lesson_plan import (
    LESSON_PLAN,
    LessonPlan,
    LessonPlanInput,
    distinct_parts,
    minutes_add_up,
    schedule,
)
from aigc_plugins.education.quiz import (
    QUIZ,
    MultipleChoice,
    Quiz,
    QuizInput,
    answer_index_in_range,
    bloom_levels_allowed,
    counts_met,
    distinct_distractors,
    distinct_questions,
    in_words,
    one_correct_option,
    option_count,
)


# -- builders ------------------------------------------------------------------------------
def mc(question: str = "Which gas do plants take in from the air?",
       options: list[str] | None = None, answer_index: int = 1, bloom: str = "remember",
       explanation: str = "Plants take in carbon dioxide to make sugar.") -> dict[str, Any]:
    return {"type": "multiple_choice", "bloom_level": bloom, "question": question,
            "options": options or ["Oxygen", "Carbon dioxide", "Helium", "Neon"],
            "answer_index": answer_index, "explanation": explanation}


def tf(question: str = "Plants need sunlight to make food.", answer: bool = True,
       bloom: str = "understand",
       explanation: str = "Sunlight gives plants the energy to make food.") -> dict[str, Any]:
    return {"type": "true_false", "bloom_level": bloom, "question": question, "answer": answer,
            "explanation": explanation}


def sa(question: str = "What green substance in leaves captures light?",
       answer: str = "Chlorophyll", bloom: str = "remember",
       explanation: str = "Chlorophyll is the green pigment that absorbs light.") -> dict[str, Any]:
    return {"type": "short_answer", "bloom_level": bloom, "question": question,
            "answer": answer, "explanation": explanation}


def quiz(*questions: dict[str, Any]) -> Quiz:
    return Quiz.model_validate({"questions": list(questions)})


def quiz_input(**fields: Any) -> QuizInput:
    fields.setdefault("topic", "photosynthesis")
    fields.setdefault("readability_tolerance", None)
    return QuizInput(**fields)


def labelled(text: str = "[AI-generated]", position: str = "start") -> Result:
    """A result carrying the explicit label the labels plugin leaves on structured outputs."""
    return Result.model_validate({
        "job_id": "j1", "status": "succeeded",
        "provenance": {"generator": "education.quiz", "plugin": "education",
                       "plugin_version": "0", "model": "default"},
        "metadata": {"ai_label": {"explicit": {"text": text, "position": position,
                                               "embedded": False, "separator": "\n\n"}}},
    })


UNLABELLED = Result.model_validate({
    "job_id": "j0", "status": "succeeded",
    "provenance": {"generator": "education.quiz", "plugin": "education", "plugin_version": "0",
                   "model": "default"},
})

#: Every character some export format treats specially, in one (single-spaced) line.
NASTY = 'a~b=c#d{e}f:g\\h "q" <b>&amp; 50% -> x y'


# -- input models --------------------------------------------------------------------------
def test_quiz_needs_a_topic_or_a_source_text():
    with pytest.raises(ValidationError, match="topic or a source_text"):
        QuizInput()
    assert QuizInput(source_text="Plants make food from light. " * 3).topic is None


def test_type_counts_set_count_and_types_unless_they_disagree():
    data = quiz_input(type_counts={"true_false": 2, "short_answer": 1})
    assert data.count == 3 and set(data.question_types) == {"true_false", "short_answer"}
    with pytest.raises(ValidationError, match="add up to 3"):
        quiz_input(count=5, type_counts={"true_false": 2, "short_answer": 1})
    with pytest.raises(ValidationError, match="leaves out"):
        quiz_input(question_types=["multiple_choice"], type_counts={"true_false": 2})
    with pytest.raises(ValidationError, match="twice"):
        quiz_input(question_types=["true_false", "true_false"])


def test_inputs_reject_unknown_fields_and_bad_ranges():
    with pytest.raises(ValidationError):
        quiz_input(cuont=3)
    with pytest.raises(ValidationError):
        quiz_input(grade_level=0)
    with pytest.raises(ValidationError):
        LessonPlanInput(topic="fractions", duration_minutes=5)
    with pytest.raises(ValidationError):
        FlashcardInput(source_text="too short")


def test_output_text_is_kept_to_single_spaced_lines():
    parsed = quiz(mc(question="  Which gas\n do plants\ttake in?  "))
    assert parsed.questions[0].question == "Which gas do plants take in?"
    with pytest.raises(ValidationError):
        quiz(mc(options=["Oxygen", "   ", "Helium"]))


def test_quiz_finalize_drops_only_surplus_questions():
    data = quiz_input(type_counts={"multiple_choice": 1, "true_false": 1})
    extra = quiz(mc(), mc(question="which gas do plants take in from the air"),
                 sa(), mc(question="Which part of a plant holds chlorophyll?"), tf(), tf(
                     question="Roots make food."))
    kept = QUIZ.finalize(extra, data)
    assert [q.question for q in kept.questions] == [mc()["question"], tf()["question"]]
    assert kept.questions[0] == extra.questions[0]  # kept whole, not edited
    exact = quiz(mc(), sa())  # the right size: left for the validators to judge
    assert QUIZ.finalize(exact, quiz_input(count=2)) == exact


# -- quiz validators -----------------------------------------------------------------------
def test_counts_met_checks_total_types_and_per_type_counts():
    assert counts_met(quiz(mc(), tf()), quiz_input(count=2, question_types=[
        "multiple_choice", "true_false"])) == []
    wrong_total = counts_met(quiz(mc()), quiz_input(count=2))
    assert [p.field for p in wrong_total] == ["questions"] and "exactly 2" in wrong_total[0].message
    wrong_type = counts_met(quiz(mc(), tf()), quiz_input(count=2))
    assert [p.field for p in wrong_type] == ["questions[1].type"]
    per_type = counts_met(quiz(mc(), mc(question="Which part of a plant holds chlorophyll?")),
                          quiz_input(type_counts={"multiple_choice": 1, "true_false": 1}))
    assert {p.code for p in per_type} == {"type_count"}
    assert any("0 true_false" in p.message for p in per_type)


def test_answer_index_must_name_an_option():
    assert answer_index_in_range(quiz(mc(answer_index=3)), quiz_input()) == []
    found = answer_index_in_range(quiz(mc(options=["A1", "B1", "C1"], answer_index=3)),
                                  quiz_input())
    assert [p.field for p in found] == ["questions[0].answer_index"]
    assert "use 0 to 2" in found[0].message


def test_option_count_is_the_requested_one():
    assert option_count(quiz(mc()), quiz_input(options_per_question=4)) == []
    found = option_count(quiz(mc()), quiz_input(options_per_question=3))
    assert [p.field for p in found] == ["questions[0].options"]


def test_exactly_one_option_is_correct():
    assert one_correct_option(quiz(mc()), quiz_input()) == []
    second_key = one_correct_option(
        quiz(mc(options=["Oxygen", "Carbon dioxide", "carbon  dioxide!", "Neon"])), quiz_input())
    assert [(p.field, p.code) for p in second_key] == [("questions[0].options[2]", "second_key")]
    covers = one_correct_option(
        quiz(mc(options=["Oxygen", "Carbon dioxide", "All of the above", "Neon"])), quiz_input())
    assert [(p.field, p.code) for p in covers] == [("questions[0].options[2]", "several_right")]


def test_distractors_are_distinct():
    assert distinct_distractors(quiz(mc()), quiz_input()) == []
    found = distinct_distractors(
        quiz(mc(options=["Oxygen", "Carbon dioxide", "Helium", "OXYGEN."])), quiz_input())
    assert [p.field for p in found] == ["questions[0].options[3]"]
    assert "options[0]" in found[0].message


def test_questions_are_distinct():
    assert distinct_questions(quiz(mc(), tf()), quiz_input()) == []
    found = distinct_questions(quiz(mc(), mc(question="which gas do plants take in from the air")),
                               quiz_input())
    assert [p.field for p in found] == ["questions[1].question"]


def test_questions_and_explanations_are_written_in_words_options_need_not_be():
    assert in_words(quiz(mc(options=["2", "4", "6", "8"]), tf(), sa()), quiz_input()) == []
    found = in_words(quiz(mc(question="bloom_level"), tf(explanation="1. 2. 3. 4. 5. 6.")),
                     quiz_input())
    assert [(p.field, p.code) for p in found] == [("questions[0].question", "not_prose"),
                                                  ("questions[1].explanation", "not_prose")]


def test_bloom_levels_must_be_requested_ones():
    assert bloom_levels_allowed(quiz(mc(bloom="apply")), quiz_input(bloom_levels=["apply"])) == []
    found = bloom_levels_allowed(quiz(mc(bloom="remember")),
                                 quiz_input(bloom_levels=["apply", "analyze"]))
    assert [p.field for p in found] == ["questions[0].bloom_level"]


# -- readability ---------------------------------------------------------------------------
EASY = ("The sun is hot. We see it in the sky. It gives us light. Plants need the sun. "
        "They grow in the light. We play in the sun. The sun sets at night. ") * 2
HARD = ("Photosynthetic organisms systematically transform electromagnetic radiation into "
        "chemically stored energy through extraordinarily complicated biochemical mechanisms "
        "involving chlorophyll molecules, thylakoid membranes, electron transport "
        "intermediaries and carbon fixation enzymes, consequently sustaining essentially "
        "every terrestrial ecosystem. ")


def reader(grade: int, tolerance: float | None = 3.0, language: str = "en") -> FlashcardInput:
    return FlashcardInput(source_text="x" * 60, grade_level=grade,
                          readability_tolerance=tolerance, language=language)


def test_readability_passes_text_at_the_grade_and_flags_text_far_from_it():
    easy_grade, _ = readability_module.measure([EASY])
    hard_grade, _ = readability_module.measure([HARD])
    assert easy_grade < 4 < 12 < hard_grade  # the samples are what their names say
    assert readability_module.grade_problems("cards", "the backs", [EASY], reader(2)) == []
    too_hard = readability_module.grade_problems("cards", "the backs", [HARD], reader(3))
    assert [p.field for p in too_hard] == ["cards"]
    assert "shorter sentences" in too_hard[0].message
    too_easy = readability_module.grade_problems("cards", "the backs", [EASY], reader(14))
    assert "complete sentences" in too_easy[0].message


def test_readability_is_not_judged_when_it_cannot_be_meaningful():
    assert readability_module.grade_problems("c", "t", [HARD], reader(3, tolerance=None)) == []
    assert readability_module.grade_problems("c", "t", [HARD], reader(3, language="fr")) == []
    few_words = HARD.split(",")[0]
    assert readability_module.grade_problems("c", "t", [few_words], reader(3)) == []


def test_each_piece_of_text_counts_as_a_sentence():
    pieces = ["Is the sun hot", "Yes it is hot", "Do plants need it", "Yes they do"] * 4
    joined_grade, _ = readability_module.measure([" ".join(pieces)])
    pieces_grade, _ = readability_module.measure(pieces)
    assert pieces_grade < joined_grade


def test_quiz_and_flashcard_readability_validators_read_learner_text():
    readable_quiz = QUIZ.validators[-1]
    hard_quiz = quiz(*(mc(question=f"Question {i}: {HARD}"[:300], explanation=HARD[:300],
                          options=[f"A{i}", f"B{i}", f"C{i}", f"D{i}"]) for i in range(2)))
    assert readable_quiz(hard_quiz, quiz_input(grade_level=3, readability_tolerance=3)) != []
    easy_cards = Flashcards(cards=[{"front": f"Card {i}", "back": EASY[:150]} for i in range(3)])
    readable_cards = FLASHCARDS.validators[-1]
    assert readable_cards(easy_cards, reader(2)) == []
    assert readable_cards(easy_cards, reader(15))[0].field == "cards"


# -- lesson plan ---------------------------------------------------------------------------
DESCRIPTIONS = ["Learners fold paper strips into halves and quarters.",
                "Pairs place fraction cards on a floor number line.",
                "Each learner marks three fractions on a worksheet line."]


def plan(*minutes: int) -> LessonPlan:
    return LessonPlan.model_validate({
        "title": "Fractions on a number line",
        "objectives": ["Place simple fractions on a number line"],
        "materials": ["Number line cards"],
        "activities": [{"title": f"Part {i}", "minutes": m, "description": DESCRIPTIONS[i]}
                       for i, m in enumerate(minutes)],
        "assessment": "An exit ticket with three fractions to place.",
        "differentiation": {"support": "Give halves and quarters only.",
                            "extension": "Add improper fractions to place."},
    })


def test_activity_minutes_must_add_up_to_the_lesson():
    data = LessonPlanInput(topic="fractions", duration_minutes=45)
    assert minutes_add_up(plan(10, 25, 10), data) == []
    short = minutes_add_up(plan(10, 20, 10), data)
    assert [p.field for p in short] == ["activities"]
    assert "add up to 40" in short[0].message and "activities[1].minutes 25" in short[0].message
    assert minutes_add_up(plan(40, 20), data)[0].message.count("45") == 1


def test_schedule_fills_start_minutes_without_touching_the_plan():
    data = LessonPlanInput(topic="fractions", duration_minutes=45)
    draft = plan(10, 20, 10)
    done = schedule(draft, data)
    assert [a.start_minute for a in done.activities] == [0, 10, 30]
    assert [a.minutes for a in done.activities] == [10, 20, 10]  # not padded to 45
    assert minutes_add_up(done, data) != []
    assert "start_minute" not in json.dumps(LessonPlan.model_json_schema())


def test_lesson_parts_are_distinct():
    data = LessonPlanInput(topic="fractions")
    assert distinct_parts(plan(20, 25), data) == []
    repeated = plan(20, 25).model_copy(
        update={"objectives": ["Order fractions", "order fractions."]})
    assert [p.field for p in distinct_parts(repeated, data)] == ["objectives[1]"]


MARKDOWN_NASTY = "2 * 3 = 6, a_b_c, <div>, [x](y), `code`, # not a heading #, a | b ~~c~~ &amp;"


def test_markdown_lesson_plan_shows_every_text_as_written():
    markdown_it = pytest.importorskip("markdown_it")
    draft = plan(10, 20).model_copy(update={"title": MARKDOWN_NASTY,
                                            "objectives": [MARKDOWN_NASTY]})
    data = LessonPlanInput(topic="fractions", subject="maths", duration_minutes=30)
    text = export_markdown.lesson_plan(schedule(draft, data), data, UNLABELLED)
    rendered = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    assert "<em>" not in rendered.split("</p>", 1)[1]  # only the facts line is emphasis
    assert not re.search(r"<(div|code|a |del|s>|table)", rendered)
    visible = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert visible.count(MARKDOWN_NASTY) == 2
    assert "0-10 min, Part 0" in visible and "10-30 min, Part 1" in visible


@pytest.mark.parametrize("position", ["start", "end"])
def test_markdown_lesson_plan_keeps_the_ai_label_as_its_own_paragraph(position):
    data = LessonPlanInput(topic="fractions")
    text = export_markdown.lesson_plan(plan(20, 25), data, labelled(position=position))
    paragraphs = text.strip().split("\n\n")
    assert paragraphs[0 if position == "start" else -1] == "\\[AI-generated\\]"


# -- flashcards ----------------------------------------------------------------------------
SOURCE = ("Plants make their own food by photosynthesis. Chlorophyll in the leaves captures "
          "sunlight. The plant uses water and carbon dioxide and gives off oxygen.")


def cards(*pairs: tuple[str, str]) -> Flashcards:
    return Flashcards(cards=[{"front": f, "back": b} for f, b in pairs])


def test_flashcard_finalize_drops_repeated_and_surplus_cards():
    data = FlashcardInput(source_text=SOURCE, count=2)
    many = cards(("What captures sunlight?", "Chlorophyll."), ("what captures sunlight", "Leaves."),
                 ("What gas is given off?", "Oxygen."), ("What is used?", "Water."))
    assert [c.front for c in FLASHCARDS.finalize(many, data).cards] == [
        "What captures sunlight?", "What gas is given off?"]
    two_same = cards(("Term", "A."), ("term", "B."))
    assert FLASHCARDS.finalize(two_same, data) == two_same
    # Too few distinct cards to prune down to: left as written, for the validators to name.
    three_same = cards(("Term", "A."), ("term", "B."), ("TERM", "C."))
    assert FLASHCARDS.finalize(three_same, data) == three_same
    assert [p.field for p in distinct_fronts(three_same, data)] == ["cards[1].front",
                                                                    "cards[2].front"]


def test_flashcard_validators():
    data = FlashcardInput(source_text=SOURCE, count=2, readability_tolerance=None)
    good = cards(("What captures sunlight?", "Chlorophyll in the leaves."),
                 ("What gas do plants give off?", "Oxygen."))
    assert card_count(good, data) == [] and distinct_fronts(good, data) == []
    assert back_answers_front(good, data) == []
    assert card_count(cards(("What captures sunlight?", "Chlorophyll.")), data)[0].field == "cards"
    same = cards(("What captures sunlight?", "Chlorophyll."), ("what captures sunlight", "Leaves."))
    assert [p.field for p in distinct_fronts(same, data)] == ["cards[1].front"]
    echo = cards(("Photosynthesis", "photosynthesis."))
    assert [p.field for p in back_answers_front(echo, data)] == ["cards[0].back"]
    # The embedded model's de-photo-1 card (docs/quality.md): the back is the front with one
    # letter dropped. A back that names what the front only asks about is an answer, and a
    # cloze card's back adds the missing word.
    near = cards(("Die Fotosynthese ist der Vorgang", "Die Fotosynthese is der Vorgang"),
                 ("Was ist Osmose?", "Osmose"),
                 ("Capital of France?", "Paris"),
                 ("The ___ is the powerhouse of the cell",
                  "The mitochondria is the powerhouse of the cell"))
    assert [p.field for p in back_answers_front(near, data)] == ["cards[0].back",
                                                                 "cards[1].back"]


def test_flashcard_backs_come_from_the_source_text():
    data = FlashcardInput(source_text=SOURCE, count=2)
    grounded = cards(("What captures sunlight?", "Chlorophyll captures it."), ("Formula?", "H2O"))
    assert backs_from_source(grounded, data) == []
    invented = cards(("What captures sunlight?", "Chemistry"), ("What is given off?", "Oxygen"))
    assert [p.field for p in backs_from_source(invented, data)] == ["cards[0].back"]
    chinese = FlashcardInput(source_text="植物通过光合作用制造食物。" * 5, count=1, language="zh")
    assert backs_from_source(cards(("什么?", "Chemistry")), chinese) == []


def test_quiz_finalize_trims_surplus_options_keeping_the_key():
    data = quiz_input(count=1, options_per_question=3)
    many = quiz(mc(options=["Water", "Steam", "steam!", "Ice", "Fog"], answer_index=3))
    kept = QUIZ.finalize(many, data).questions[0]
    assert kept.options == ["Water", "Steam", "Ice"] and kept.options[kept.answer_index] == "Ice"
    key_repeats = quiz(mc(options=["Ice", "Water", "Steam", "ice"], answer_index=3))
    kept = QUIZ.finalize(key_repeats, data).questions[0]
    assert kept.options == ["Water", "Steam", "ice"] and kept.answer_index == 2


# -- GIFT ----------------------------------------------------------------------------------
_GIFT_ESCAPES = {"\\:": "&&058;", "\\#": "&&035;", "\\=": "&&061;", "\\{": "&&123;",
                 "\\}": "&&125;", "\\~": "&&126;", "\\n": "&&010"}
_GIFT_CHARS = {"&&058;": ":", "&&035;": "#", "&&061;": "=", "&&123;": "{", "&&125;": "}",
               "&&126;": "~", "&&010": "\n"}
_GIFT_WEIGHT = re.compile(r"^%-*[0-9]{1,2}\.?[0-9]*%")


def _gift_pre(text: str) -> str:
    text = text.replace("\\\\", "&&092;")
    for escaped, placeholder in _GIFT_ESCAPES.items():
        text = text.replace(escaped, placeholder)
    return text.replace("&&092;", "\\")


def _gift_post(text: str) -> str:
    for placeholder, char in _GIFT_CHARS.items():
        text = text.replace(placeholder, char)
    return text


def _gift_text(text: str) -> tuple[str, str]:
    fmt = "moodle"
    if text.startswith("[") and text[1:text.find("]")] in ("moodle", "html", "plain",
                                                            "markdown"):
        fmt, text = text[1:text.find("]")], text[text.find("]") + 1:]
    return _gift_post(text).strip(), fmt


def _gift_weighted(answer: str, default: float) -> tuple[float, str]:
    if _GIFT_WEIGHT.match(answer):  # qformat_gift::answerweightparser
        end = answer.index("%", 1)
        return float(answer[1:end]) / 100, answer[end + 1:]
    return default, answer


def parse_gift(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Read GIFT the way Moodle's ``qformat_gift::readquestion`` does; returns the questions
    and the comment lines."""
    questions, comments = [], []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        lines = block.split("\n")
        comments += [line.strip()[2:].strip() for line in lines if line.strip().startswith("//")]
        body = _gift_pre("\n".join(" " if line.strip().startswith("//") else line
                                   for line in lines).strip())
        name = None
        if body.startswith("::"):
            body = body[2:]
            name, body = _gift_post(body[:body.index("::")]), body[body.index("::") + 2:].strip()
        start, finish = body.index("{"), body.index("}")
        assert body.endswith("}") and body.count("{") == body.count("}") == 1, body
        answers = body[start + 1:finish].strip()
        feedback = ""
        if "####" in answers:
            feedback, answers = answers[answers.rindex("####") + 4:], answers[:answers.rindex(
                "####")].strip()
        question, fmt = _gift_text(body[:start])
        parsed: dict[str, Any] = {"name": name, "question": question, "format": fmt,
                                  "feedback": _gift_text(feedback)[0]}
        if "~" in answers:
            parsed["type"] = "multiple_choice"
            parsed["options"], parsed["weights"] = [], []
            for part in [p.strip() for p in answers.replace("=", "~=").split("~") if p.strip()]:
                weight, part = (1.0, part[1:]) if part.startswith("=") else _gift_weighted(part,
                                                                                          0.0)
                parsed["options"].append(_gift_text(part.split("#", 1)[0].strip())[0])
                parsed["weights"].append(weight)
        elif "=" in answers and "->" in answers:
            parsed["type"] = "matching"
        elif answers.split("#", 1)[0].strip() in ("T", "TRUE", "F", "FALSE"):
            parsed["type"] = "true_false"
            parsed["answer"] = answers.split("#", 1)[0].strip() in ("T", "TRUE")
        else:
            parsed["type"] = "short_answer"
            parsed["answers"] = []
            for part in [p.strip() for p in answers.split("=") if p.strip()]:
                weight, part = _gift_weighted(part, 1.0)
                parsed["answers"].append((_gift_text(part.split("#", 1)[0].strip())[0], weight))
        questions.append(parsed)
    return questions, comments


def test_gift_escape_covers_every_control_character():
    assert export_gift.escape("~=#{}:") == "\\~\\=\\#\\{\\}\\:"
    assert export_gift.escape("a\\b") == "a\\\\b"
    assert export_gift.escape("one\r\ntwo\rthree\nfour") == "one\\ntwo\\nthree\\nfour"


def test_gift_round_trips_every_question_type_with_nasty_text():
    original = quiz(
        mc(question=f"Pick {NASTY}?", options=[NASTY, "%50% of it", "[html]<i>x</i>", "plain"],
           answer_index=0, explanation=f"Because {NASTY}."),
        tf(question=f"{NASTY} is true.", answer=False),
        sa(question="What is 5 * 3 written as a product?", answer="5*3"),
    )
    text = export_gift.quiz(original, quiz_input(), UNLABELLED)
    parsed, comments = parse_gift(text)
    assert comments == []
    assert [p["type"] for p in parsed] == ["multiple_choice", "true_false", "short_answer"]
    first, second, third = parsed
    assert first["question"] == f"Pick {NASTY}?" and first["format"] == "plain"
    assert first["options"] == original.questions[0].options
    assert first["weights"] == [1.0, 0.0, 0.0, 0.0]
    assert first["feedback"] == f"Because {NASTY}."
    assert first["name"] == "Q1 (remember)"
    assert second["question"] == f"{NASTY} is true." and second["answer"] is False
    # Moodle's short-answer matching reads "\*" as a literal star.
    assert third["answers"] == [("5\\*3", 1.0)]


def test_gift_keeps_each_question_one_block_even_with_line_breaks():
    text = export_gift.quiz(quiz(mc(question="Line one\nline two?"), tf()), quiz_input(),
                            UNLABELLED)
    parsed, _ = parse_gift(text)
    assert len(parsed) == 2 and parsed[0]["question"] == "Line one line two?"


def test_gift_refuses_a_short_answer_moodle_would_read_as_matching():
    with pytest.raises(ExportError, match=r"questions\[0\]\.answer.*matching"):
        export_gift.quiz(quiz(sa(answer="A -> B")), quiz_input(), UNLABELLED)


@pytest.mark.parametrize("position", ["start", "end"])
def test_gift_keeps_the_ai_label_as_comments(position):
    text = export_gift.quiz(quiz(mc(), tf()), quiz_input(), labelled("[AI-generated]\nby aigc",
                                                                     position))
    parsed, comments = parse_gift(text)
    assert comments == ["[AI-generated]", "by aigc"] and len(parsed) == 2
    lines = text.strip().split("\n")
    edge = lines[:2] if position == "start" else lines[-2:]
    assert edge == ["// [AI-generated]", "// by aigc"]


# -- Aiken ---------------------------------------------------------------------------------
def parse_aiken(text: str) -> list[dict[str, Any]]:
    """Read Aiken the way Moodle's ``qformat_aiken::readquestions`` does (strictly: any line
    Moodle would complain about fails the test)."""
    questions, current = [], None
    for raw in text.split("\n"):
        for line in raw.split("\r"):
            line = line.strip()
            if len(line) < 2:
                continue
            if re.match(r"^[A-Z][).][ \t]?", line):
                assert current is not None, f"option outside a question: {line!r}"
                current["options"].append(line[2:].strip())
            elif line.startswith("ANSWER:"):
                assert current is not None and len(current["options"]) >= 2
                current["answer_index"] = ord(line.split(":", 1)[1].strip()[:1]) - ord("A")
                questions.append(current)
                current = None
            else:
                assert current is None, f"question not complete before {line!r}"
                current = {"question": line, "options": []}
    assert current is None
    return questions


def test_aiken_round_trips_multiple_choice_questions():
    original = quiz(mc(question=f"Pick {NASTY.replace(chr(9), ' ')}?", answer_index=2),
                    mc(question="Which part of a plant holds chlorophyll?",
                       options=["Roots", "Leaves", "Stem"], answer_index=1))
    parsed = parse_aiken(export_aiken.quiz(original, quiz_input(), UNLABELLED))
    assert [(p["question"], p["options"], p["answer_index"]) for p in parsed] == [
        (q.question, q.options, q.answer_index) for q in original.questions]


def test_aiken_refuses_other_question_types_naming_them():
    with pytest.raises(ExportError, match=r"questions\[1\] \(true_false\), questions\[2\] "
                                          r"\(short_answer\).*--format gift"):
        export_aiken.quiz(quiz(mc(), tf(), sa()), quiz_input(), UNLABELLED)


@pytest.mark.parametrize("question", [
    "B) looks like an option", "C. looks like one too", "ANSWER: looks like the key",
])
def test_aiken_refuses_a_question_line_moodle_would_misread(question):
    with pytest.raises(ExportError, match=r"questions\[0\]\.question"):
        export_aiken.quiz(quiz(mc(question=question)), quiz_input(), UNLABELLED)


def test_aiken_refuses_line_breaks_in_fields():
    # Output models collapse whitespace, so build the broken question by hand.
    broken = quiz(mc()).model_copy(deep=True)
    broken.questions[0].options[2] = "two\nlines"
    with pytest.raises(ExportError, match=r"questions\[0\]\.options\[2\].*line break"):
        export_aiken.quiz(broken, quiz_input(), UNLABELLED)
    broken.questions[0].options[2] = "Helium"
    broken.questions[0].question = "Which gas\u2028do plants take in?"
    with pytest.raises(ExportError, match="line break"):
        export_aiken.quiz(broken, quiz_input(), UNLABELLED)


@pytest.mark.parametrize(("position", "expected"), [
    ("start", "[AI-generated] Which gas do plants take in from the air?"),
    ("end", "Which gas do plants take in from the air? [AI-generated]"),
])
def test_aiken_puts_the_ai_label_into_every_question(position, expected):
    text = export_aiken.quiz(quiz(mc(), mc(question="Which gas do plants take in from the air?",
                                           options=["N2", "CO2", "He"])),
                             quiz_input(), labelled(position=position))
    assert [p["question"] for p in parse_aiken(text)] == [expected, expected]


def test_aiken_refuses_a_label_that_makes_the_line_look_like_an_option():
    with pytest.raises(ExportError, match="option or an answer line"):
        export_aiken.quiz(quiz(mc()), quiz_input(), labelled("A) AI", "start"))


# -- Anki ----------------------------------------------------------------------------------
def parse_anki(text: str) -> tuple[dict[str, str], list[list[str]], list[str]]:
    """Read an Anki import file as Anki does: ``#key:value`` header lines at the top, every
    other ``#`` line a comment, tab-separated records; fields come back as plain text."""
    headers: dict[str, str] = {}
    rows, comments = [], []
    in_header = True
    for line in text.split("\n"):
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            if in_header and sep and key.strip().lower() in (
                    "separator", "html", "notetype", "columns", "tags column"):
                headers[key.strip().lower()] = value
            else:
                comments.append(line)
            continue
        in_header = False
        if line:
            fields = line.split("\t")
            assert not any(f.startswith('"') for f in fields), "a quoted field would be parsed"
            rows.append([html.unescape(f.replace("<br>", "\n")) for f in fields])
    return headers, rows, comments


def test_anki_field_escaping_keeps_each_record_on_one_line():
    raw = f"#{NASTY}\tand a tab\r\nnext # line"
    escaped = export_anki.field(raw)
    assert not set(escaped) & {"\t", "\n", "\r", '"'}
    assert re.search(r"(?<!&)#", escaped) is None  # every "#" opens an entity, none a comment
    assert html.unescape(escaped.replace("<br>", "\n")) == raw.replace("\r\n", "\n")


def test_anki_quiz_has_headers_one_record_per_question_and_tags():
    original = quiz(mc(question=f"#1 {NASTY}?"), tf(answer=False), sa())
    headers, rows, comments = parse_anki(export_anki.quiz(original, quiz_input(), UNLABELLED))
    assert headers == {"separator": "tab", "html": "true", "notetype": "Basic",
                       "columns": "Front\tBack\tTags", "tags column": "3"}
    assert comments == [] and len(rows) == 3 and all(len(r) == 3 for r in rows)
    front, back, tags = rows[0]
    assert front.split("\n") == [f"#1 {NASTY}?", "A. Oxygen", "B. Carbon dioxide", "C. Helium",
                                 "D. Neon"]
    assert back == "B. Carbon dioxide\n\nPlants take in carbon dioxide to make sugar."
    assert tags.split() == ["bloom::remember", "quiz::multiple_choice"]
    assert rows[1][1].startswith("False\n\n") and rows[2][1].startswith("Chlorophyll\n\n")


@pytest.mark.parametrize("position", ["start", "end"])
def test_anki_keeps_the_ai_label_as_an_ignored_header(position):
    text = export_anki.quiz(quiz(mc()), quiz_input(), labelled(position=position))
    headers, rows, comments = parse_anki(text)
    assert comments == ["#ai-label:[AI-generated]"] and len(rows) == 1
    assert "separator" in headers
    lines = text.strip().split("\n")
    assert lines[0 if position == "start" else -1] == "#ai-label:[AI-generated]"


def test_anki_flashcards_round_trip():
    original = cards((f"{NASTY}?", "An answer\nover two lines."), ("Term", "Its definition."))
    headers, rows, _ = parse_anki(export_anki.flashcards(original, None, UNLABELLED))
    assert headers["columns"] == "Front\tBack" and "tags column" not in headers
    assert rows == [[c.front, c.back] for c in original.cards]


# -- quiz JSON -----------------------------------------------------------------------------
@pytest.mark.parametrize("position", ["start", "end"])
def test_quiz_json_document_carries_the_label_first_or_last(position):
    original = quiz(mc(), tf())
    document = json.loads(export_json.quiz(original, quiz_input(), labelled(position=position)))
    keys = list(document)
    assert keys[0 if position == "start" else -1] == "ai_label"
    assert document["ai_label"] == {"text": "[AI-generated]", "position": position}
    assert Quiz.model_validate({"questions": document["questions"]}) == original
    assert document["topic"] == "photosynthesis"
    assert "ai_label" not in json.loads(export_json.quiz(original, quiz_input(), UNLABELLED))


# -- through the engine (scripted model) ---------------------------------------------------
def test_plugin_registers_its_generators_with_exporters():
    assert [g.name for g in GENERATORS] == ["education.quiz", "education.lesson_plan",
                                            "education.flashcards"]
    assert set(QUIZ.exporters) == {"quiz-json", "gift", "aiken", "anki"}
    assert set(FLASHCARDS.exporters) == {"anki"}


def test_quiz_prompt_and_repair_through_the_engine(make_engine):
    engine = make_engine(QUIZ)
    job = engine.make_job("education.quiz", {
        "source_text": SOURCE, "topic": "plants", "grade_level": 4, "language": "en",
        "type_counts": {"multiple_choice": 1, "true_false": 1}, "readability_tolerance": None})
    first = json.dumps({"questions": [mc()]})
    second = json.dumps({"questions": [mc(), tf()]})
    scripted([first, second])
    result = engine.run(job)
    assert result.ok, result.problems
    assert result.provenance.attempts == 2
    prompt = ScriptedBackend.requests[0].messages[1].content
    assert SOURCE in prompt and "1 multiple_choice, 1 true_false" in prompt
    repair = ScriptedBackend.requests[1].messages[-1].content
    assert "questions: has 1 questions; write exactly 2" in repair


def test_a_quiz_asked_in_german_but_written_in_english_fails(make_engine):
    engine = make_engine(QUIZ)
    job = engine.make_job("education.quiz", {
        "source_text": SOURCE, "topic": "plants", "grade_level": 4, "language": "de",
        "type_counts": {"multiple_choice": 1, "true_false": 1}, "readability_tolerance": None},
        options=GenerationOptions(max_repairs=0))
    scripted([json.dumps({"questions": [mc(), tf()]})])
    result = engine.run(job)
    assert not result.ok
    assert "language with the code de" in ScriptedBackend.requests[0].messages[1].content
    assert {p.code for p in result.problems} == {"wrong_language"}, result.problems


def test_lesson_plan_fails_with_problems_when_minutes_never_add_up(make_engine):
    engine = make_engine(LESSON_PLAN)
    job = engine.make_job("education.lesson_plan", {"topic": "fractions", "duration_minutes": 45},
                          options=GenerationOptions(max_repairs=1))
    wrong = plan(10, 20).model_dump(mode="json")
    for activity in wrong["activities"]:
        del activity["start_minute"]
    scripted([json.dumps(wrong)] * 2)
    result = engine.run(job)
    assert not result.ok and result.error.kind == "validation"
    assert [p.field for p in result.problems] == ["activities"]


def test_cli_export_path_uses_the_generators_exporters(make_engine):
    engine = make_engine(QUIZ, FLASHCARDS)
    job = engine.make_job("education.quiz", {"topic": "plants", "count": 1,
                                             "readability_tolerance": None})
    scripted([json.dumps({"questions": [mc()]})])
    result = engine.run(job)
    generator = engine.generator("education.quiz").generator
    data = engine.validate(job)
    assert parse_gift(render(result, "gift", generator, data))[0][0]["type"] == "multiple_choice"
    assert parse_aiken(render(result, "aiken", generator, data))[0]["answer_index"] == 1


# -- output schemas for constrained decoding ----------------------------------------------
def test_quiz_schema_asks_for_exactly_what_the_input_requests():
    data = quiz_input(count=3, question_types=["multiple_choice", "true_false"],
                      options_per_question=3, bloom_levels=["remember", "apply"])
    questions = QUIZ.json_schema(data)["properties"]["questions"]
    assert (questions["minItems"], questions["maxItems"]) == (3, 3)
    mc_schema, tf_schema = questions["items"]["anyOf"]
    assert mc_schema["properties"]["type"] == {"enum": ["multiple_choice"]}
    assert mc_schema["properties"]["bloom_level"] == {"enum": ["remember", "apply"]}
    assert mc_schema["properties"]["answer_index"] == {"enum": [0, 1, 2]}
    options = mc_schema["properties"]["options"]
    assert (options["minItems"], options["maxItems"]) == (3, 3)
    assert list(mc_schema["properties"]) == list(MultipleChoice.model_fields)  # same order
    assert tf_schema["properties"]["answer"] == {"type": "boolean"}
    one_type = QUIZ.json_schema(quiz_input(question_types=["short_answer"]))
    assert one_type["properties"]["questions"]["items"]["properties"]["type"] == {
        "enum": ["short_answer"]}


def test_flashcard_and_lesson_schemas():
    cards = FLASHCARDS.json_schema(FlashcardInput(source_text=SOURCE, count=4))
    assert (cards["properties"]["cards"]["minItems"], cards["properties"]["cards"]["maxItems"]) \
        == (4, 4)
    plan = LESSON_PLAN.json_schema(LessonPlanInput(topic="photosynthesis", duration_minutes=30))
    minutes = plan["properties"]["activities"]["items"]["properties"]["minutes"]
    assert minutes["maximum"] == 30
    assert "start_minute" not in plan["properties"]["activities"]["items"]["properties"]


def test_schema_strings_stay_on_one_line_and_may_quote():
    item = QUIZ.json_schema(quiz_input())["properties"]["questions"]["items"]["properties"]
    pattern = re.compile(item["question"]["pattern"])
    # llama.cpp matches patterns against the JSON text of a string, escapes included.
    assert pattern.fullmatch(json.dumps('What does "chlorophyll" do?')[1:-1])
    assert not pattern.fullmatch("What does\nit do?")  # a raw newline: invalid JSON
    assert not pattern.fullmatch("Why?")  # shorter than a question may be


@pytest.mark.parametrize(("generator", "data"), [
    (QUIZ, quiz_input(count=20, question_types=["multiple_choice", "true_false",
                                                  "short_answer"], options_per_question=5)),
    (QUIZ, quiz_input(question_types=["true_false"], bloom_levels=["remember"])),
    (FLASHCARDS, FlashcardInput(source_text=SOURCE, count=20)),
    (LESSON_PLAN, LessonPlanInput(topic="photosynthesis", duration_minutes=240)),
])
def test_schemas_are_grammars_llama_cpp_accepts(generator, data, assert_grammar):
    assert_grammar(generator.json_schema(data))


# -- end to end on the embedded model ------------------------------------------------------
# Each job is capped by a token budget (all attempts together), which bounds the suite's
# model time at 1,100 completion tokens.
def rechecked(generator: Generator, result: Result, data: Any) -> Any:
    """The e2e contract: a success whose output passes every validator again, or a
    validation failure that lists its problems."""
    assert result.provenance.usage.completion_tokens > 0  # the model really ran
    if not result.ok:
        assert result.error is not None and result.error.kind == "validation", result.error
        assert result.problems
        return None
    output = generator.output_model.model_validate(result.output)
    problems = [p for check in generator.validators for p in check(output, data)]
    assert problems == []
    return output


@pytest.mark.e2e
def test_quiz_on_the_embedded_model_exports_to_every_format(local_engine):
    job = local_engine.make_job("education.quiz", {
        "topic": "the water cycle", "count": 2, "grade_level": 6, "options_per_question": 3,
    }, options=GenerationOptions(max_tokens=300, max_repairs=1, token_budget=400))
    result = local_engine.run(job)
    output = rechecked(QUIZ, result, local_engine.validate(job))
    if output is None:
        return
    generator = local_engine.generator("education.quiz").generator
    data = local_engine.validate(job)
    parsed, comments = parse_gift(render(result, "gift", generator, data))
    assert len(parsed) == 2 and comments  # the labels plugin's label is kept
    assert len(parse_aiken(render(result, "aiken", generator, data))) == 2
    assert len(parse_anki(render(result, "anki", generator, data))[1]) == 2
    assert json.loads(render(result, "quiz-json", generator, data))["questions"]


@pytest.mark.e2e
def test_flashcards_on_the_embedded_model(local_engine):
    job = local_engine.make_job("education.flashcards", {
        "source_text": SOURCE, "count": 2, "grade_level": 6,
    }, options=GenerationOptions(max_tokens=200, max_repairs=1, token_budget=300))
    result = local_engine.run(job)
    output = rechecked(FLASHCARDS, result, local_engine.validate(job))
    if output is not None:
        _, rows, _ = parse_anki(render(result, "anki", FLASHCARDS, local_engine.validate(job)))
        assert rows == [[c.front, c.back] for c in output.cards]


@pytest.mark.e2e
def test_lesson_plan_on_the_embedded_model(local_engine):
    job = local_engine.make_job("education.lesson_plan", {
        "topic": "the water cycle", "grade_level": 6, "duration_minutes": 30,
    }, options=GenerationOptions(max_tokens=300, max_repairs=1, token_budget=400))
    result = local_engine.run(job)
    output = rechecked(LESSON_PLAN, result, local_engine.validate(job))
    if output is not None:
        starts = [a.start_minute for a in output.activities]
        assert starts[0] == 0 and starts == sorted(starts)
