"""The lesson plan's input and output models, shared by ``lesson_plan.py`` (which checks and
registers the generator) and the Markdown exporter."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from .common import GradeLevel, Language, line

MAX_ACTIVITIES = 8

OBJECTIVE, MATERIAL, TITLE, NOTE = (10, 200), (2, 100), (3, 80), (10, 400)
Objective = line(*OBJECTIVE)
Material = line(*MATERIAL)
Title = line(*TITLE)
Note = line(*NOTE)


class LessonPlanInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str = Field(min_length=2, max_length=200, description="What the lesson teaches.")
    subject: str | None = Field(None, min_length=2, max_length=80,
                                description="The school subject, e.g. 'biology'.")
    grade_level: GradeLevel = 8
    duration_minutes: int = Field(45, ge=10, le=240,
                                  description="Length of the lesson; the activities' minutes "
                                              "must add up to it exactly.")
    language: Language = "en"


class Activity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    minutes: int = Field(ge=1, le=240)
    description: Note = Field(description="What the teacher and the learners do.")
    # Computed from the minutes before it (see ``schedule``), never asked of the model.
    start_minute: SkipJsonSchema[int] = Field(0, description="Minutes from the lesson's start.")


class Differentiation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    support: Note = Field(description="How to help learners who struggle.")
    extension: Note = Field(description="How to stretch learners who finish early.")


class LessonPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    objectives: list[Objective] = Field(min_length=1, max_length=5)
    materials: list[Material] = Field(min_length=1, max_length=10)
    activities: list[Activity] = Field(min_length=2, max_length=MAX_ACTIVITIES)
    assessment: Note = Field(description="How the teacher checks the objectives were met.")
    differentiation: Differentiation
