"""Deterministic clean-up of the model's answer before validation.

The model proposes texts; code does what code does better: tidies whitespace, drops
duplicates, empties fields the platform does not take, and keeps the requested number of
variants, preferring the ones that pass every per-text check. When too few pass, failing
ones fill the gap so the validators name them and the repair loop can fix them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aigc_core.checks import normalise

from .banned import banned_in
from .checking import TextCheck
from .compliance import restricted_in
from .editorial import editorial_in
from .figures import figures_given
from .limits import text_size
from .models import AdCopy, AdCopyInput
from .presets import TEXT_FIELDS
from .product_name import product_named

#: Every check that judges one text on its own, so one candidate can be kept or dropped.
TEXT_CHECKS: tuple[TextCheck, ...] = (text_size, editorial_in, product_named, banned_in,
                                      restricted_in, figures_given)


def _tidy(texts: Iterable[str]) -> list[str]:
    """Whitespace collapsed, blanks and duplicates (beyond case and punctuation) dropped."""
    seen: dict[str, str] = {}
    for text in texts:
        clean = " ".join(text.split())
        if clean and normalise(clean) not in seen:
            seen[normalise(clean)] = clean
    return list(seen.values())


def _select(candidates: list[str], wanted: int, fits: Callable[[str], bool]) -> list[str]:
    good = [text for text in candidates if fits(text)]
    return (good + [text for text in candidates if text not in good])[:wanted]


def finalize(output: AdCopy, data: AdCopyInput) -> AdCopy:
    preset = data.preset

    def fits(kind: str) -> Callable[[str], bool]:
        return lambda text: not any(check(kind, kind, text, data) for check in TEXT_CHECKS)

    lists = {}
    for field in TEXT_FIELDS:
        limit = preset.limit(field)
        lists[field] = (_select(_tidy(getattr(output, field)), limit.wanted(data.variants),
                                fits(field)) if limit else [])
    # Display paths are optional: one that fails a check is dropped rather than reported,
    # and path2 moves up when path1 is missing.
    paths = ([p for p in _tidy([output.path1, output.path2]) if fits("path")(p)]
             if preset.path_size is not None else [])
    path1, path2 = [*paths, "", ""][:2]
    return output.model_copy(update={**lists, "path1": path1, "path2": path2})
