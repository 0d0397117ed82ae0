"""Platform limits: how many texts each field takes, how long each may be (counted the way
the platform counts), and the display-path rules."""

from __future__ import annotations

from aigc_core import Problem
from aigc_core.checks import not_blank, quote

from .checking import each_text
from .models import AdCopy, AdCopyInput
from .presets import TEXT_FIELDS


def text_size(kind: str, path: str, text: str, data: AdCopyInput) -> list[Problem]:
    """One text against the platform's length limit for its field."""
    preset = data.preset
    limit = preset.path_size if kind == "path" else getattr(preset.limit(kind), "max_size", None)
    if limit is None:  # a field the platform does not take: check_counts/check_paths say so
        return []
    size = preset.measure(text)
    if size > limit:
        return [Problem(field=path, code="too_long",
                        message=f"{quote(text)} is {size} in {preset.unit}; at most {limit} "
                                f"allowed on {preset.name}, shorten it")]
    return not_blank(path, text)


def check_lengths(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    return each_text(output, data, text_size)


def check_counts(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    """Each field the platform takes holds at least the requested number of variants (raised
    or capped to the platform's range) and at most the platform's maximum; fields the platform
    does not take are empty."""
    problems: list[Problem] = []
    for field in TEXT_FIELDS:
        items = getattr(output, field)
        limit = data.preset.limit(field)
        if limit is not None:
            low, high = limit.wanted(data.variants), limit.max_items
            if not low <= len(items) <= high:
                wanted = low if low == high else f"{low} to {high}"
                problems.append(Problem(
                    field=field, code="count",
                    message=f"has {len(items)} texts; {data.platform} needs {wanted}, each "
                            "different from the others"))
        elif items:
            problems.append(Problem(field=field, code="unsupported",
                                    message=f"{data.platform} ads have no {field}; leave it empty"))
    return problems


def check_paths(output: AdCopy, data: AdCopyInput) -> list[Problem]:
    """Display paths exist only where the platform shows them, and path2 only after path1."""
    if data.preset.path_size is None:
        return [Problem(field=field, code="unsupported",
                        message=f"{data.platform} ads have no display path; leave it empty")
                for field in ("path1", "path2") if getattr(output, field)]
    if output.path2 and not output.path1:
        return [Problem(field="path2", code="path_order",
                        message="is set while path1 is empty; fill path1 first or clear path2")]
    return []
