"""A lesson plan as a Markdown page (``--format markdown``), ready to print or paste.

Every text from the model is escaped for CommonMark: the characters that start inline markup
(``\\ ` * _ [ ] < > & | ~ #``) get a backslash, so a plan mentioning ``2 * 3`` or ``<div>``
shows them as written. Texts never start a line (they follow a ``#``, ``- `` or ``1. ``
marker, and the output models keep them to one line), so no block syntax can be triggered.
The explicit AI label is the page's first or last paragraph.
"""

from __future__ import annotations

import re
from typing import Any

from aigc_core.labelling import explicit_label, place

from .lesson_plan_models import LessonPlan, LessonPlanInput

_INLINE = re.compile(r"([\\`*_\[\]<>&|~#])")


def escape(text: str) -> str:
    return _INLINE.sub(r"\\\1", " ".join(text.split()))


def lesson_plan(output: LessonPlan, data: LessonPlanInput, result: Any) -> str:
    facts = [f"grade {data.grade_level}", f"{data.duration_minutes} minutes"]
    if data.subject:
        facts.insert(0, escape(data.subject))
    activities = [f"{n}. **{a.start_minute}-{a.start_minute + a.minutes} min, "
                  f"{escape(a.title)}**: {escape(a.description)}"
                  for n, a in enumerate(output.activities, start=1)]
    sections = [
        [f"# {escape(output.title)}"],
        [f"*{escape(data.topic)}: {', '.join(facts)}*"],
        ["## Objectives", "", *(f"- {escape(o)}" for o in output.objectives)],
        ["## Materials", "", *(f"- {escape(m)}" for m in output.materials)],
        ["## Activities", "", *activities],
        ["## Assessment", "", f"- {escape(output.assessment)}"],
        ["## Differentiation", "",
         f"- **Support:** {escape(output.differentiation.support)}",
         f"- **Extension:** {escape(output.differentiation.extension)}"],
    ]
    label = explicit_label(result)
    # The label is a paragraph of its own, first or last on the page.
    label_section = [[escape(label.one_line)]] if label else []
    return "\n\n".join("\n".join(s) for s in place(sections, label_section, label)) + "\n"
