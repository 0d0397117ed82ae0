"""The quiz's input and output models, shared by ``quiz.py`` (which checks and registers the
generator) and the exporters that write a quiz out."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .common import GradeLevel, Language, ReadabilityTolerance, line

QuestionType = Literal["multiple_choice", "true_false", "short_answer"]
BloomLevel = Literal["remember", "understand", "apply", "analyze", "evaluate", "create"]
BLOOM_LEVELS: tuple[str, ...] = get_args(BloomLevel)

MAX_QUESTIONS = 20
MIN_OPTIONS, MAX_OPTIONS = 3, 5

QUESTION, OPTION, ANSWER, EXPLANATION = (5, 300), (1, 120), (1, 80), (10, 300)
QuestionText = line(*QUESTION)
OptionText = line(*OPTION)
AnswerText = line(*ANSWER)
Explanation = line(*EXPLANATION)


class QuizInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str | None = Field(None, min_length=2, max_length=200,
                              description="What the quiz is about. Give a topic, a "
                                          "source_text, or both.")
    source_text: str | None = Field(None, min_length=50, max_length=4000,
                                    description="A text every question must be answerable "
                                                "from.")
    grade_level: GradeLevel = 8
    count: int = Field(5, ge=1, le=MAX_QUESTIONS,
                       description="Number of questions (the sum of type_counts if given).")
    question_types: list[QuestionType] = Field(
        default_factory=lambda: ["multiple_choice"], min_length=1, max_length=3,
        description="The question types the quiz may use.")
    type_counts: dict[QuestionType, Annotated[int, Field(ge=1, le=MAX_QUESTIONS)]] | None = Field(
        None, min_length=1, description="Exact number of questions of each type, e.g. "
                          '{"multiple_choice": 3, "true_false": 2}; sets count and '
                          "question_types when they are not given.")
    options_per_question: int = Field(4, ge=MIN_OPTIONS, le=MAX_OPTIONS,
                                      description="Options of each multiple-choice question.")
    bloom_levels: list[BloomLevel] = Field(
        default_factory=lambda: list(BLOOM_LEVELS), min_length=1,
        description="The Bloom's taxonomy levels the questions may target.")
    language: Language = "en"
    readability_tolerance: ReadabilityTolerance = 3.0

    @model_validator(mode="after")
    def _consistent(self) -> QuizInput:
        if not (self.topic or self.source_text):
            raise ValueError("give a topic or a source_text (or both)")
        for name in ("question_types", "bloom_levels"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name} lists a value twice: {values}")
        if self.type_counts:
            self._apply_type_counts(self.type_counts)
        return self

    def _apply_type_counts(self, counts: dict[str, int]) -> None:
        total = sum(counts.values())
        if "count" in self.model_fields_set and self.count != total:
            raise ValueError(f"count is {self.count} but type_counts add up to {total}; "
                             "give one of them or make them agree")
        if total > MAX_QUESTIONS:
            raise ValueError(f"type_counts add up to {total}; at most {MAX_QUESTIONS} questions")
        if "question_types" in self.model_fields_set:
            unlisted = sorted(set(counts) - set(self.question_types))
            if unlisted:
                raise ValueError(f"type_counts names {unlisted}, which question_types "
                                 f"{self.question_types} leaves out")
        else:
            self.question_types = list(counts)
        self.count = total


class MultipleChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["multiple_choice"]
    bloom_level: BloomLevel
    question: QuestionText
    options: list[OptionText] = Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)
    answer_index: int = Field(ge=0, le=MAX_OPTIONS - 1,
                              description="0-based position of the one correct option.")
    explanation: Explanation


class TrueFalse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["true_false"]
    bloom_level: BloomLevel
    question: QuestionText = Field(description="A statement that is either true or false.")
    answer: bool
    explanation: Explanation


class ShortAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["short_answer"]
    bloom_level: BloomLevel
    question: QuestionText
    answer: AnswerText = Field(description="The expected answer: a word or a short phrase.")
    explanation: Explanation


Question = Annotated[MultipleChoice | TrueFalse | ShortAnswer, Field(discriminator="type")]


class Quiz(BaseModel):
    model_config = ConfigDict(extra="forbid")

    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
