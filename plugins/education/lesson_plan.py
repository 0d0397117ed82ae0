"""``education.lesson_plan``: objectives, materials, timed activities, assessment and
differentiation notes for one lesson of a given length."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from aigc_core import GenerationOptions, Generator, Problem, schemas
from aigc_core.checks import distinct

from . import export_markdown
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


def plan_schema(data: LessonPlanInput) -> dict[str, Any]:
    """One-line texts and activities no longer than the lesson, for constrained decoding (the
    minutes' sum is for ``minutes_add_up`` to check)."""
    note = schemas.line(*NOTE)
    activity = schemas.obj(title=schemas.line(*TITLE),
                           minutes={"type": "integer", "minimum": 1,
                                    "maximum": data.duration_minutes},
                           description=note)
    return schemas.obj(
        title=schemas.line(*TITLE),
        objectives=schemas.array(schemas.line(*OBJECTIVE), 1, 5),
        materials=schemas.array(schemas.line(*MATERIAL), 1, 10),
        activities=schemas.array(activity, 2, MAX_ACTIVITIES),
        assessment=note,
        differentiation=schemas.obj(support=note, extension=note),
    )


def schedule(output: LessonPlan, data: LessonPlanInput) -> LessonPlan:
    """Fill each activity's start minute from the minutes before it.

    Minutes are never rescaled or padded to fit the lesson: that would silently change the
    plan. A plan that does not add up is sent back to the model by ``minutes_add_up``.
    """
    start, activities = 0, []
    for activity in output.activities:
        activities.append(activity.model_copy(update={"start_minute": start}))
        start += activity.minutes
    return output.model_copy(update={"activities": activities})


def minutes_add_up(output: LessonPlan, data: LessonPlanInput) -> list[Problem]:
    total = sum(activity.minutes for activity in output.activities)
    gap = data.duration_minutes - total
    if gap == 0:
        return []
    longest = max(range(len(output.activities)), key=lambda i: output.activities[i].minutes)
    fixed = output.activities[longest].minutes + gap
    hint = (f"e.g. make activities[{longest}].minutes {fixed}" if fixed >= 1
            else "shorten or remove activities")
    return [Problem(field="activities", code="duration",
                    message=f"minutes add up to {total}, but the lesson is "
                            f"{data.duration_minutes} minutes; make them add up exactly "
                            f"({hint})")]


def distinct_parts(output: LessonPlan, data: LessonPlanInput) -> list[Problem]:
    titles = distinct("activities", [activity.title for activity in output.activities])
    return [
        *distinct("objectives", output.objectives),
        *distinct("materials", output.materials),
        *(Problem(field=f"{p.field}.title", code=p.code, message=p.message) for p in titles),
    ]


LESSON_PLAN = Generator(
    name="education.lesson_plan",
    description="A lesson plan: objectives, materials, timed activities adding up to the "
                "lesson's length, assessment and differentiation notes.",
    input_model=LessonPlanInput,
    output_model=LessonPlan,
    system="education/system.j2",
    prompt="education/lesson_plan.user.j2",
    templates_from=__package__,
    output_schema=plan_schema,
    options=GenerationOptions(max_tokens=900, temperature=0.3),
    validators=(minutes_add_up, distinct_parts),
    exporters={"markdown": export_markdown.lesson_plan},
    finalize=schedule,
)
