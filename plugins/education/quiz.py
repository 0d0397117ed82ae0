"""``education.quiz``: questions with an answer key, an explanation and a Bloom level each,
written about a topic or drawn from a source text.

The input and output models live in ``quiz_models.py``, which the exporters import too; this
module holds what the generator adds to them: its schema, validators and registration."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from aigc_core import GenerationOptions, Generator, Problem, schemas
from aigc_core.checks import distinct, normalise, written_in_words

from . import export_aiken, export_anki, export_gift, export_json, readability
from .common import drop_surplus, keep_requested
from .quiz_models import (
    ANSWER,
    EXPLANATION,
    OPTION,
    QUESTION,
    MultipleChoice,
    Question,
    Quiz,
    QuizInput,
)


def quiz_schema(data: QuizInput) -> dict[str, Any]:
    """Exactly ``count`` questions, of the requested types and Bloom levels only, each
    multiple-choice one with exactly ``options_per_question`` options and a key among them."""

    def question(kind: str, **answer: dict[str, Any]) -> dict[str, Any]:
        return schemas.obj(type=schemas.choice([kind]),
                           bloom_level=schemas.choice(data.bloom_levels),
                           question=schemas.line(*QUESTION), **answer,
                           explanation=schemas.line(*EXPLANATION))

    options = data.options_per_question
    variants = {
        "multiple_choice": question(
            "multiple_choice", options=schemas.array(schemas.line(*OPTION), options, options),
            answer_index=schemas.choice(range(options))),
        "true_false": question("true_false", answer={"type": "boolean"}),
        "short_answer": question("short_answer", answer=schemas.line(*ANSWER)),
    }
    items = schemas.one_of(*(variants[kind] for kind in data.question_types))
    return schemas.obj(questions=schemas.array(items, data.count, data.count))


def _requested_type(data: QuizInput) -> Callable[[Question, list[Question]], bool]:
    """Whether a question is of a requested type whose quota is not yet met."""

    def fits(question: Question, kept: list[Question]) -> bool:
        if question.type not in data.question_types:
            return False
        quota = (data.type_counts or {}).get(question.type, data.count)
        return sum(q.type == question.type for q in kept) < quota

    return fits


def _keep_options(question: Question, data: QuizInput) -> Question:
    """The key and the first distinct distractors, in their order, when there are too many."""
    wanted = data.options_per_question
    if not isinstance(question, MultipleChoice) or len(question.options) <= wanted:
        return question
    if not 0 <= question.answer_index < len(question.options):
        return question  # no key to keep: answer_index_in_range reports it
    key = question.answer_index
    # The key is offered first, so it is never dropped as a repeat of a distractor.
    offered = sorted(enumerate(question.options), key=lambda item: item[0] != key)
    kept = sorted(drop_surplus(offered, wanted, key=lambda item: item[1]))
    return question.model_copy(update={"options": [option for _, option in kept],
                                       "answer_index": [p for p, _ in kept].index(key)})


# -- validators ------------------------------------------------------------------------------
def counts_met(output: Quiz, data: QuizInput) -> list[Problem]:
    """The requested number of questions, of the requested types (per type when asked)."""
    problems = []
    if len(output.questions) != data.count:
        problems.append(Problem(field="questions", code="count",
                                message=f"has {len(output.questions)} questions; write exactly "
                                        f"{data.count}"))
    for index, question in enumerate(output.questions):
        if question.type not in data.question_types:
            problems.append(Problem(field=f"questions[{index}].type", code="type",
                                    message=f"is {question.type!r}; use one of "
                                            f"{', '.join(data.question_types)}"))
    found = Counter(question.type for question in output.questions)
    for kind, wanted in (data.type_counts or {}).items():
        if found[kind] != wanted:
            problems.append(Problem(field="questions", code="type_count",
                                    message=f"has {found[kind]} {kind} questions; exactly "
                                            f"{wanted} required"))
    return problems


def answer_index_in_range(output: Quiz, data: QuizInput) -> list[Problem]:
    return [
        Problem(field=f"questions[{index}].answer_index", code="out_of_range",
                message=f"is {question.answer_index} but there are {len(question.options)} "
                        f"options; use 0 to {len(question.options) - 1}")
        for index, question in _multiple_choice(output)
        if not 0 <= question.answer_index < len(question.options)
    ]


def option_count(output: Quiz, data: QuizInput) -> list[Problem]:
    return [
        Problem(field=f"questions[{index}].options", code="count",
                message=f"has {len(question.options)} options; exactly "
                        f"{data.options_per_question} required")
        for index, question in _multiple_choice(output)
        if len(question.options) != data.options_per_question
    ]


#: Options that make more than one option right ("all of the above" is right exactly when
#: every other option is).
_SEVERAL_RIGHT = re.compile(r"^(all|both) of (the )?(above|these|them|the options)\b")


def one_correct_option(output: Quiz, data: QuizInput) -> list[Problem]:
    """Exactly one option may be right: no distractor repeats the key, none covers others."""
    problems = []
    for index, question in _multiple_choice(output):
        if not 0 <= question.answer_index < len(question.options):
            continue  # answer_index_in_range reports it
        key = normalise(question.options[question.answer_index])
        for position, option in enumerate(question.options):
            path = f"questions[{index}].options[{position}]"
            if position != question.answer_index and normalise(option) == key:
                problems.append(Problem(field=path, code="second_key",
                                        message=f"repeats the correct option ({option!r}), so "
                                                "two options are right; write a wrong one"))
            if _SEVERAL_RIGHT.match(normalise(option)):
                problems.append(Problem(field=path, code="several_right",
                                        message=f"{option!r} makes several options right; "
                                                "write a specific option instead"))
    return problems


def distinct_distractors(output: Quiz, data: QuizInput) -> list[Problem]:
    problems = []
    for index, question in _multiple_choice(output):
        seen: dict[str, int] = {}
        for position, option in enumerate(question.options):
            if position == question.answer_index:
                continue  # the key repeating a distractor is one_correct_option's finding
            key = normalise(option)
            if key in seen:
                problems.append(Problem(
                    field=f"questions[{index}].options[{position}]", code="duplicate",
                    message=f"repeats the wrong option options[{seen[key]}] ({option!r}); "
                            "write a different wrong option"))
            else:
                seen[key] = position
    return problems


def distinct_questions(output: Quiz, data: QuizInput) -> list[Problem]:
    found = distinct("questions", [question.question for question in output.questions])
    return [Problem(field=f"{p.field}.question", code=p.code, message=p.message) for p in found]


def in_words(output: Quiz, data: QuizInput) -> list[Problem]:
    """Questions and explanations are sentences, not numbers or echoed keys; options and
    short answers may be a number ("4")."""
    return [problem for index, question in enumerate(output.questions)
            for name in ("question", "explanation")
            for problem in written_in_words(f"questions[{index}].{name}", getattr(question, name),
                                            5)]


def bloom_levels_allowed(output: Quiz, data: QuizInput) -> list[Problem]:
    return [
        Problem(field=f"questions[{index}].bloom_level", code="bloom_level",
                message=f"is {question.bloom_level!r}; use one of {', '.join(data.bloom_levels)}")
        for index, question in enumerate(output.questions)
        if question.bloom_level not in data.bloom_levels
    ]


def _multiple_choice(output: Quiz) -> list[tuple[int, MultipleChoice]]:
    return [(i, q) for i, q in enumerate(output.questions) if isinstance(q, MultipleChoice)]


def _learner_text(output: Quiz) -> list[str]:
    return [text for q in output.questions for text in (q.question, q.explanation)]


readable = readability.validator("questions", "the questions and explanations", _learner_text)

QUIZ = Generator(
    name="education.quiz",
    description="A quiz on a topic or a source text: multiple-choice, true/false and "
                "short-answer questions with answer key, explanation and Bloom level.",
    input_model=QuizInput,
    output_model=Quiz,
    system="education/system.j2",
    prompt="education/quiz.user.j2",
    templates_from=__package__,
    output_schema=quiz_schema,
    options=GenerationOptions(max_tokens=1200, temperature=0.3),
    validators=(counts_met, answer_index_in_range, option_count, one_correct_option,
                distinct_distractors, distinct_questions, in_words, bloom_levels_allowed,
                readable),
    exporters={"quiz-json": export_json.quiz, "gift": export_gift.quiz,
               "aiken": export_aiken.quiz, "anki": export_anki.quiz},
    # Repeated, unrequested and surplus questions, and surplus options, are dropped when the
    # model wrote more than asked.
    finalize=keep_requested("questions", key=lambda q: q.question, fits=_requested_type,
                            each=_keep_options),
)
