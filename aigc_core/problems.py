"""Problems: what a validator found wrong, addressed by a field path."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict


class Problem(BaseModel):
    """One thing wrong with an input or an output.

    ``field`` is a dotted path into the data (``"seo.title"``, ``"headlines[2]"``), or ``""``
    for the whole value. ``message`` says what is wrong and, where it can, what would be right:

    >>> Problem(field="seo.title", message="is 72 characters; at most 60 allowed")
    """

    model_config = ConfigDict(frozen=True)

    field: str = ""
    message: str
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


def prefixed(problems: Iterable[Problem], name: str, sep: str = ".") -> list[Problem]:
    """``problems`` of one part of something larger, with fields named from the whole:
    ``input.text`` of job ``jobs[2]`` becomes ``jobs[2].input.text``; with ``sep=": "``, that
    of ``line 3`` becomes ``line 3: input.text``. An empty ``name`` leaves them as they are."""
    return [p.model_copy(update={"field": sep.join(filter(None, (name, p.field)))})
            for p in problems]


#: How pydantic names the union member it tried (``str``, ``constrained-str``,
#: ``function-after[...]``, ``list[str]``): not fields, so a field path must not show them.
#: ``[key]`` (the key of a dict entry) is kept: it says which part of the entry is wrong.
_UNION_TAG = re.compile(
    r"^(str|int|float|bool|bytes|none|decimal|date|datetime|constrained-\w+"
    r"|[a-z][a-z-]*\[.*\])$"
)


def _is_union_tag(part: str) -> bool:
    return bool(_UNION_TAG.match(part))


def field_path(loc: Sequence[str | int]) -> str:
    """Render a pydantic error location as ``a.b[2].c``."""
    out = ""
    for part in loc:
        if isinstance(part, str) and _is_union_tag(part):
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def from_validation_error(errors: Iterable[dict], prefix: str = "") -> list[Problem]:
    """Turn ``ValidationError.errors()`` into problems naming each field and what was expected."""
    problems = [Problem(field=field_path(err.get("loc", ())), message=_explain(err),
                        code=err.get("type", "invalid")) for err in errors]
    return prefixed(problems, prefix)


def _explain(err: dict) -> str:
    msg = err.get("msg", "invalid value")
    if err.get("type") == "missing":
        return "is required but missing"
    if err.get("type") == "extra_forbidden":
        return "is not an accepted field; remove it (check the spelling against the input schema)"
    if "input" in err and err.get("type") != "missing":
        shown = repr(err["input"])
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{msg} (got {shown})"
    return msg
