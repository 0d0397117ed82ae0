"""``education.lesson_plan``: objectives, materials, timed activities, assessment and
differentiation notes for one lesson of a given length.

The input and output models live in ``lesson_plan_models.py``, which the Markdown exporter
imports too; this module holds the generator's schema, checks and registration."""

from __future__ import annotations

from typing import Any

from aigc_core import GenerationOptions, Generator, Problem, schemas
from aigc_core.checks import distinct

from . import export_markdown
from .lesson_plan_models import (
    MATERIAL,
    MAX_ACTIVITIES,
    NOTE,
    OBJECTIVE,
    TITLE,
    LessonPlan,
    LessonPlanInput,
)


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
