"""The quiz as a standalone JSON document (``--format quiz-json``).

Unlike ``--format json`` (the whole job result with provenance), this is the quiz alone, with
what it was written for and the explicit AI label as the document's first or last member,
following the label's position.
"""

from __future__ import annotations

import json
from typing import Any

from aigc_core.labelling import explicit_label, place

from .quiz_models import Quiz, QuizInput

FORMAT = "aigc.education.quiz/1"


def quiz(output: Quiz, data: QuizInput, result: Any) -> str:
    label = explicit_label(result)
    members: list[tuple[str, Any]] = [
        ("format", FORMAT),
        ("topic", data.topic),
        ("grade_level", data.grade_level),
        ("language", data.language),
        ("questions", output.model_dump(mode="json")["questions"]),
    ]
    if label is not None:
        # The document carries what its reader needs: the text, and where it goes.
        members = place(members, [("ai_label", label.model_dump(include={"text", "position"}))],
                        label)
    return json.dumps(dict(members), ensure_ascii=False, indent=2)
