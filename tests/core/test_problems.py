"""Field paths in problems name fields only, whatever pydantic's location holds."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError

from aigc_core.problems import field_path, from_validation_error


class Item(BaseModel):
    text: str | Annotated[list[str], Field(min_length=1)]


class Doc(BaseModel):
    items: list[Item]


def test_paths_use_brackets_for_indexes():
    assert field_path(("items", 2, "text")) == "items[2].text"
    assert field_path(()) == ""


def test_union_member_tags_are_not_part_of_the_path():
    with pytest.raises(ValidationError) as info:
        Doc.model_validate({"items": [{"text": 5}]})
    fields = {p.field for p in from_validation_error(info.value.errors(), prefix="input")}
    assert fields == {"input.items[0].text"}
