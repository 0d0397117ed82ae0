"""Every generator takes a language the same way: one ``LanguageTag``, one behaviour."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from aigc_plugins.ads.models import AdCopyInput
from aigc_plugins.education.flashcards import FlashcardInput
from aigc_plugins.education.lesson_plan import LessonPlanInput
from aigc_plugins.education.quiz import QuizInput
from aigc_plugins.news.headlines import HeadlinesInput
from aigc_plugins.translation.models import TranslateInput

SOURCE = "Plants turn light, water and carbon dioxide into sugar and oxygen. " * 2

#: (input model, the other fields it needs, the language field)
INPUTS: list[tuple[type[BaseModel], dict[str, Any], str]] = [
    (AdCopyInput, {"product": "Trail shoes"}, "language"),
    (QuizInput, {"topic": "photosynthesis", "readability_tolerance": None}, "language"),
    (FlashcardInput, {"source_text": SOURCE}, "language"),
    (LessonPlanInput, {"topic": "photosynthesis"}, "language"),
    (HeadlinesInput, {"topic": "solar panels"}, "language"),
    (TranslateInput, {"text": "Hello"}, "target_language"),
]


@pytest.mark.parametrize(("model", "fields", "name"), INPUTS,
                         ids=[model.__name__ for model, _, _ in INPUTS])
def test_every_language_field_normalises_case_and_refuses_non_tags(model, fields, name):
    assert getattr(model(**fields, **{name: "PT-br"}), name) == "pt-BR"
    with pytest.raises(ValidationError, match=name):
        model(**fields, **{name: "English"})
